import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** Clock ticks per second of /proc's utime and stime (USER_HZ; 100 on Linux everywhere that matters). */
const TICKS_PER_SECOND = Number(safeRun("getconf", ["CLK_TCK"]) || 100);

function safeRun(command: string, args: string[]): string {
	try {
		return execFileSync(command, args, { encoding: "utf8" }).trim();
	} catch {
		return "";
	}
}

/** CPU seconds (user plus system) a process has used so far; 0 once it is gone. */
export function cpuSecondsOf(pid: number): number {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
		// The command name (field 2) may hold spaces: count fields from after its closing parenthesis.
		const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
		return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
	} catch {
		return 0;
	}
}

/** The machine's own servers, when they run here: their CPU is part of what an event costs. */
export function serverProcesses(): Array<{ name: string; pid: number }> {
	return ["nats-server", "redis-server"].flatMap((name) =>
		safeRun("pgrep", ["-x", name])
			.split("\n")
			.filter(Boolean)
			.map((pid, i) => ({ name: i === 0 ? name : `${name}-${i + 1}`, pid: Number(pid) })),
	);
}

export type CpuSnapshot = Map<string, number>;

export function snapshot(processes: Array<{ name: string; pid: number }>): CpuSnapshot {
	return new Map(processes.map((p) => [p.name, cpuSecondsOf(p.pid)]));
}

/** CPU seconds each process used between two snapshots. */
export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot): Map<string, number> {
	return new Map([...after].map(([name, seconds]) => [name, seconds - (before.get(name) ?? seconds)]));
}
