'use strict';
/**
 * CPU time by party during a measured run, read from /proc (Linux): the API (its process and any cluster workers),
 * PostgreSQL (every `postgres` process on this host, plus what the postmaster has reaped from backends that ended
 * within the run, e.g. the baseline's pool), and this benchmark process (the load generator, or the baseline's client).
 * Divided by the requests a run completed, it says where each request's CPU goes without a profiler's overhead.
 * Elsewhere than Linux, or with PostgreSQL on another host, the missing parts are null or zero.
 */
const { readFileSync, readdirSync } = require('node:fs');

const TICK_MS = 10; // USER_HZ is 100 on Linux for every architecture the benchmark runs on.

/** [comm, ppid, own ticks (utime + stime), reaped children's ticks (cutime + cstime)] or null. */
function stat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const f = text.slice(close + 2).split(' ');
    // After "pid (comm) ": state ppid ... utime is field 14 of stat, i.e. index 11 here.
    return { comm, ppid: Number(f[1]), own: Number(f[11]) + Number(f[12]), reaped: Number(f[13]) + Number(f[14]) };
  } catch {
    return null;
  }
}

function processes() {
  try {
    return readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map((pid) => ({ pid: Number(pid), ...stat(pid) }))
      .filter((p) => p.comm !== undefined);
  } catch {
    return [];
  }
}

/** CPU milliseconds used so far by the API (with its workers), PostgreSQL and this process. */
function snapshot(apiPid) {
  const all = processes();
  const ticks = (list) => list.reduce((sum, p) => sum + p.own + p.reaped, 0);
  const api = all.filter((p) => p.pid === apiPid || p.ppid === apiPid);
  const usage = process.cpuUsage();
  return {
    api: all.length ? ticks(api) * TICK_MS : null,
    postgres: all.length ? ticks(all.filter((p) => p.comm === 'postgres')) * TICK_MS : null,
    client: (usage.user + usage.system) / 1000,
  };
}

/** Starts counting; stop(requests) gives each party's CPU ms per request (and in all) since the start. */
function cpuMeter(apiPid) {
  const start = snapshot(apiPid);
  const t0 = Date.now();
  return {
    stop(requests) {
      const end = snapshot(apiPid);
      const seconds = (Date.now() - t0) / 1000;
      const per = (k) => (start[k] === null || end[k] === null || !requests ? null : Math.round(((end[k] - start[k]) / requests) * 100) / 100);
      const cores = (k) => (start[k] === null || end[k] === null ? null : Math.round(((end[k] - start[k]) / 1000 / seconds) * 100) / 100);
      return {
        msPerRequest: { api: per('api'), postgres: per('postgres'), client: per('client') },
        coresUsed: { api: cores('api'), postgres: cores('postgres'), client: cores('client') },
      };
    },
  };
}

module.exports = { cpuMeter };
