import { readFileSync } from 'node:fs';

/**
 * Peak resident memory of this process in MB: VmHWM from /proc/self/status (the high-water
 * mark of this address space; unlike getrusage's ru_maxrss it is not inherited from the
 * parent across fork/exec, so child-process cases measure only themselves). Falls back to
 * ru_maxrss where /proc is missing.
 */
export function peakRssMb(): number {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    /* not Linux */
  }
  return process.resourceUsage().maxRSS / 1024;
}
