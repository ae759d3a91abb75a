import { execFile, execFileSync } from "node:child_process";
import {
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { delimiter, join } from "node:path";
import { scratchRoot } from "./paths.ts";

export interface RunningPostgres {
  /** `postgres://pulumi:<password>@127.0.0.1:<port>/<database>?sslmode=disable`: a PULUMI_BACKEND_URL. */
  url: string;
  /** The cluster's folder (data directory and log). */
  dir: string;
  /** Runs SQL with `psql` as the database's owner: its output, unaligned and without headers. */
  query(sql: string): Promise<string>;
  /** Stops the server (`pg_ctl stop -m fast`); the folder goes with the run's scratch directory. */
  stop(): Promise<void>;
}

const user = "pulumi";
const password = "agentcloud-pg";

/**
 * A throwaway PostgreSQL cluster for one test file: initdb into a fresh folder under the run's
 * scratch directory, a server on a free 127.0.0.1 port (TCP only, password auth), and one database.
 * Binaries from AGENTCLOUD_PG_BIN, else the newest /usr/lib/postgresql/<n>/bin (Debian's layout),
 * else PATH; missing ones fail with what to install. Postgres refuses to run as root: as root, the
 * server runs as the `postgres` user (or AGENTCLOUD_PG_USER), which then owns the folder. A server
 * left running by a crashed run stops by itself within about a minute once the scratch directory is
 * gone (postmaster rechecks its lock file).
 */
export async function startPostgres(database = "pulumi"): Promise<RunningPostgres> {
  const bin = binDir();
  mkdirSync(scratchRoot, { recursive: true });
  const dir = mkdtempSync(join(scratchRoot, "postgres-"));
  const data = join(dir, "data");
  const log = join(dir, "server.log");
  const pwfile = join(dir, "pwfile");
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  const as = runAs();
  if (as) for (const p of [dir, pwfile]) chownSync(p, as.uid, as.gid);
  const tool = (name: string, args: string[]) =>
    as
      ? execFileSync("runuser", ["-u", as.name, "--", join(bin, name), ...args], { stdio: "pipe" })
      : execFileSync(join(bin, name), args, { stdio: "pipe" });

  tool("initdb", [
    "-D",
    data,
    "-U",
    user,
    `--pwfile=${pwfile}`,
    "--auth=scram-sha-256",
    "-E",
    "UTF8",
    "--no-sync",
  ]);
  const port = await freePort();
  // No Unix socket: its path would be too long under the scratch folder, and TCP is what Pulumi uses.
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c fsync=off`;
  try {
    tool("pg_ctl", ["start", "-w", "-t", "60", "-D", data, "-l", log, "-o", options]);
  } catch (e) {
    const out = existsSync(log) ? readFileSync(log, "utf8") : "";
    throw new Error(`PostgreSQL did not start: ${(e as Error).message}\n${out}`);
  }
  const base = `postgres://${user}:${password}@127.0.0.1:${port}`;
  const psql = (db: string, sql: string) =>
    new Promise<string>((resolve, reject) => {
      execFile(
        join(bin, "psql"),
        [`${base}/${db}?sslmode=disable`, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql],
        { maxBuffer: 256 * 1024 * 1024 },
        (error, stdout, stderr) =>
          error ? reject(new Error(`psql: ${stderr || error.message}`)) : resolve(stdout),
      );
    });
  await psql("postgres", `CREATE DATABASE "${database}"`);
  return {
    url: `${base}/${database}?sslmode=disable`,
    dir,
    query: (sql) => psql(database, sql),
    stop: async () => {
      tool("pg_ctl", ["stop", "-w", "-m", "fast", "-D", data]);
    },
  };
}

/** Where initdb, pg_ctl and psql are; a clear error when they are not installed. */
function binDir(): string {
  const has = (d: string) => ["initdb", "pg_ctl", "psql", "postgres"].every((b) => existsSync(join(d, b)));
  const candidates = [process.env.AGENTCLOUD_PG_BIN ?? ""];
  const debian = "/usr/lib/postgresql";
  if (existsSync(debian)) {
    const versions = readdirSync(debian).filter((v) => /^\d+$/.test(v));
    candidates.push(...versions.sort((a, b) => Number(b) - Number(a)).map((v) => join(debian, v, "bin")));
  }
  candidates.push(...(process.env.PATH ?? "").split(delimiter));
  const found = candidates.find((d) => d && has(d));
  if (!found) {
    throw new Error(
      "PostgreSQL server binaries (initdb, pg_ctl, postgres, psql) not found: install PostgreSQL >= 15 " +
        "(Debian/Ubuntu: `apt-get install postgresql`), or set AGENTCLOUD_PG_BIN to their folder",
    );
  }
  return found;
}

/** The unprivileged user to run the server as when this process is root (postgres refuses root). */
function runAs(): { name: string; uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const name = process.env.AGENTCLOUD_PG_USER ?? "postgres";
  const entry = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .map((l) => l.split(":"))
    .find((f) => f[0] === name);
  if (!entry) throw new Error(`running as root, and there is no \`${name}\` user to run PostgreSQL as`);
  return { name, uid: Number(entry[2]), gid: Number(entry[3]) };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject()));
    });
  });
}
