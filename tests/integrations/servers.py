#!/usr/bin/env python3
"""Run a command next to a throwaway database server.

    python3 servers.py <postgres|mariadb|redis> [--timeout SECONDS] -- <command...>

WHAT IT DOES
  Starts one server on 127.0.0.1, on a port chosen at run time (bind port 0, read it, close it,
  hand it to the server; a start that fails - e.g. another process took the port meanwhile - is
  retried on a new port), with all its files in a fresh temporary directory. It waits until the
  server answers, runs the command with the server's address in the environment, then stops the
  server, removes the directory and exits with the command's exit code (128+N when the command was
  killed by signal N or this script got signal N, 124 when it ran past --timeout, 1 when the
  server did not start).

  Environment given to the command:
    postgres  SENTRY_TRACE_TEST_PG_HOST, _PG_PORT, _PG_USER, _PG_DB, _PG_SOCKET_DIR
    mariadb   SENTRY_TRACE_TEST_MYSQL_HOST, _MYSQL_PORT, _MYSQL_USER, _MYSQL_DB, _MYSQL_SOCKET
    redis     SENTRY_TRACE_TEST_REDIS_HOST, _REDIS_PORT

  PostgreSQL: Debian's /usr/lib/postgresql/<newest>/bin/initdb and pg_ctl (or $SENTRY_TRACE_PG_BINDIR,
  or the ones on PATH); trust authentication, superuser `postgres`, database `postgres`, fsync off.
  Run as root, initdb and pg_ctl run as the `postgres` user (runuser, else su) and the temporary
  directory is given to that user, because PostgreSQL refuses to run as root.
  MariaDB: mariadb-install-db into a temporary datadir, then mariadbd --no-defaults with the socket
  and pid file in the temporary directory. It runs with --skip-grant-tables: any user name is
  accepted without a password (the tests connect as `root`), which keeps start-up to one process
  and no SQL; --init-file creates the database `sentry_trace_test`. Run as root, mariadbd gets
  --user=root (it refuses root without it). InnoDB syncing is off.
  Redis: redis-server --port P --bind 127.0.0.1 --save "" --appendonly no --dir <tmp>.

DOES NOT
  Keep anything between runs, listen anywhere but loopback, or use a fixed port.

THREADS / PROCESSES
  The server runs in its own session, so a Ctrl-C in the terminal reaches the command but the
  server is stopped by this script, in order. A small watcher process (double-forked, detached)
  holds the read end of a pipe whose write end only this script holds: if this script dies without
  cleaning up (SIGKILL, e.g. a ctest timeout), the pipe closes and the watcher stops the server and
  removes the directory.

ERRORS
  A server that does not start is retried on a new port (3 attempts); then its log is printed and
  the exit code is 1. SIGINT, SIGTERM and SIGHUP stop the command, then the server, then clean up.
"""

import argparse
import glob
import os
import pwd
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HOST = "127.0.0.1"
START_ATTEMPTS = 3
READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0
DEFAULT_COMMAND_TIMEOUT_S = 150.0  # below the 180 s ctest TIMEOUT, so this script cleans up first
SERVER_PID_FILE = "server.pid"


class Stopped(Exception):
    """Raised from a signal handler so that the finally blocks run."""

    def __init__(self, signum):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def log(message):
    print(f"servers.py: {message}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def running_as_root():
    return os.geteuid() == 0


def as_user(user, argv):
    """argv run as `user` when this script runs as root, unchanged otherwise."""
    if not running_as_root():
        return argv
    if shutil.which("runuser"):
        return ["runuser", "-u", user, "--"] + argv
    return ["su", "-s", "/bin/sh", user, "-c", shlex.join(argv)]


def chown_tree(path, user):
    entry = pwd.getpwnam(user)
    for root, dirs, files in os.walk(path):
        os.chown(root, entry.pw_uid, entry.pw_gid)
        for name in dirs + files:
            os.chown(os.path.join(root, name), entry.pw_uid, entry.pw_gid)


def run_checked(argv, cwd, what):
    done = subprocess.run(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed ({done.returncode}):\n{done.stdout}")
    return done.stdout


def read_file(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return ""


# --- readiness probes: a TCP connect, then one exchange in the server's own protocol -------------

def connect(port, timeout=1.0):
    return socket.create_connection((HOST, port), timeout=timeout)


def redis_answers(port):
    with connect(port) as conn:
        conn.sendall(b"PING\r\n")
        return conn.recv(64).startswith(b"+PONG")


def mariadb_answers(port):
    # The server speaks first: a handshake packet (protocol version 10), or an error packet (0xff).
    with connect(port) as conn:
        header = conn.recv(5)
        return len(header) == 5 and header[4] == 10


def wait_until(ready, process, deadline, what):
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode} while starting")
        try:
            if ready():
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not answer within {READY_TIMEOUT_S:.0f} s")


# --- stopping: shared by the normal path and the watcher ----------------------------------------

def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_pid_file_server(work_dir):
    text = read_file(os.path.join(work_dir, SERVER_PID_FILE)).strip()
    if not text:
        return
    pid = int(text)
    if not pid_alive(pid):
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            finished, _ = os.waitpid(pid, os.WNOHANG)  # our child: reap it
            if finished == pid:
                return
        except ChildProcessError:
            if not pid_alive(pid):  # not our child (the watcher): wait until it is gone
                return
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


def stop_postgres(work_dir):
    data_dir = os.path.join(work_dir, "data")
    if not os.path.exists(os.path.join(data_dir, "postmaster.pid")):
        return
    pg_ctl = os.path.join(postgres_bindir(), "pg_ctl")
    subprocess.run(as_user("postgres", [pg_ctl, "-D", data_dir, "-m", "immediate", "-w",
                                        "-t", str(int(STOP_TIMEOUT_S)), "stop"]),
                   cwd=work_dir, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def stop_server(kind, work_dir):
    if kind == "postgres":
        stop_postgres(work_dir)
    else:
        stop_pid_file_server(work_dir)


def clean_up(kind, work_dir):
    if not os.path.isdir(work_dir):
        return
    try:
        stop_server(kind, work_dir)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)


def start_watcher(kind, work_dir):
    """Forks a detached process that cleans up once the returned pipe end is closed."""
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:
        try:
            os.setsid()
            if os.fork() != 0:
                os._exit(0)
            os.close(write_end)
            devnull = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(devnull, fd)
            os.closerange(3, read_end)
            os.closerange(read_end + 1, 65536)
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGHUP, signal.SIG_IGN)
            while os.read(read_end, 1):
                pass
            clean_up(kind, work_dir)
        finally:
            os._exit(0)
    os.close(read_end)
    os.waitpid(child, 0)
    os.set_inheritable(write_end, False)
    return write_end


# --- starting ------------------------------------------------------------------------------------

def postgres_bindir():
    override = os.environ.get("SENTRY_TRACE_PG_BINDIR")
    if override:
        return override
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    if found:
        return os.path.dirname(found[-1])
    on_path = shutil.which("initdb")
    if on_path:
        return os.path.dirname(on_path)
    raise RuntimeError("initdb not found (Debian: apt-get install postgresql)")


def start_postgres(work_dir):
    bindir = postgres_bindir()
    data_dir = os.path.join(work_dir, "data")
    if running_as_root():
        chown_tree(work_dir, "postgres")
    run_checked(as_user("postgres", [os.path.join(bindir, "initdb"), "-D", data_dir, "-U", "postgres",
                                     "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"]),
                work_dir, "initdb")
    last_error = None
    for _ in range(START_ATTEMPTS):
        port = free_port()
        server_options = (f"-p {port} -h {HOST} -k {work_dir} -F -c synchronous_commit=off "
                          "-c full_page_writes=off -c shared_buffers=16MB -c max_connections=20 "
                          "-c max_wal_senders=0 -c wal_level=minimal")
        try:
            run_checked(as_user("postgres", [os.path.join(bindir, "pg_ctl"), "-D", data_dir, "-l",
                                             os.path.join(work_dir, "postgres.log"), "-o",
                                             server_options, "-w", "-t", str(int(READY_TIMEOUT_S)),
                                             "start"]),
                        work_dir, "pg_ctl start")
            wait_until(lambda: connect(port).close() is None, None,
                       time.monotonic() + READY_TIMEOUT_S, "postgres")
            return {"SENTRY_TRACE_TEST_PG_HOST": HOST, "SENTRY_TRACE_TEST_PG_PORT": str(port),
                    "SENTRY_TRACE_TEST_PG_USER": "postgres", "SENTRY_TRACE_TEST_PG_DB": "postgres",
                    "SENTRY_TRACE_TEST_PG_SOCKET_DIR": work_dir}
        except RuntimeError as error:
            last_error = error
            stop_postgres(work_dir)
            log(f"postgres did not start on port {port}, retrying: {str(error).splitlines()[0]}")
    raise RuntimeError(f"{last_error}\n{read_file(os.path.join(work_dir, 'postgres.log'))}")


MARIADB_FAST_OPTIONS = [
    "--skip-name-resolve", "--performance-schema=OFF", "--innodb-flush-log-at-trx-commit=0",
    "--innodb-doublewrite=0", "--innodb-buffer-pool-size=32M", "--innodb-log-file-size=8M",
    "--innodb-flush-method=nosync", "--skip-log-bin", "--loose-skip-innodb-use-native-aio",
]


def spawn_with_pid_file(argv, work_dir, log_name):
    with open(os.path.join(work_dir, log_name), "ab") as log_file:
        process = subprocess.Popen(argv, cwd=work_dir, stdin=subprocess.DEVNULL, stdout=log_file,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    with open(os.path.join(work_dir, SERVER_PID_FILE), "w", encoding="ascii") as pid_file:
        pid_file.write(str(process.pid))
    return process


def start_mariadb(work_dir):
    data_dir = os.path.join(work_dir, "data")
    socket_path = os.path.join(work_dir, "mariadb.sock")
    user = ["--user=root"] if running_as_root() else []
    install_db = shutil.which("mariadb-install-db") or shutil.which("mysql_install_db")
    server = shutil.which("mariadbd") or shutil.which("mysqld") or "/usr/sbin/mariadbd"
    if install_db is None or not os.path.exists(server):
        raise RuntimeError("mariadb-install-db / mariadbd not found (Debian: apt-get install mariadb-server)")
    run_checked([install_db, "--no-defaults", f"--datadir={data_dir}", "--skip-test-db",
                 "--auth-root-authentication-method=normal"] + user + MARIADB_FAST_OPTIONS,
                work_dir, "mariadb-install-db")
    init_file = os.path.join(work_dir, "init.sql")
    with open(init_file, "w", encoding="ascii") as handle:
        handle.write("CREATE DATABASE IF NOT EXISTS sentry_trace_test;\n")
    last_error = None
    for _ in range(START_ATTEMPTS):
        port = free_port()
        process = spawn_with_pid_file(
            [server, "--no-defaults", f"--datadir={data_dir}", f"--socket={socket_path}",
             f"--pid-file={os.path.join(work_dir, 'mariadbd.pid')}", f"--port={port}",
             f"--bind-address={HOST}", "--skip-grant-tables", f"--init-file={init_file}"]
            + user + MARIADB_FAST_OPTIONS, work_dir, "mariadb.log")
        try:
            wait_until(lambda: mariadb_answers(port), process,
                       time.monotonic() + READY_TIMEOUT_S, "mariadbd")
            return {"SENTRY_TRACE_TEST_MYSQL_HOST": HOST, "SENTRY_TRACE_TEST_MYSQL_PORT": str(port),
                    "SENTRY_TRACE_TEST_MYSQL_USER": "root",
                    "SENTRY_TRACE_TEST_MYSQL_DB": "sentry_trace_test",
                    "SENTRY_TRACE_TEST_MYSQL_SOCKET": socket_path}
        except RuntimeError as error:
            last_error = error
            stop_pid_file_server(work_dir)
            log(f"mariadbd did not start on port {port}, retrying: {error}")
    raise RuntimeError(f"{last_error}\n{read_file(os.path.join(work_dir, 'mariadb.log'))}")


def start_redis(work_dir):
    server = shutil.which("redis-server")
    if server is None:
        raise RuntimeError("redis-server not found (Debian: apt-get install redis-server)")
    last_error = None
    for _ in range(START_ATTEMPTS):
        port = free_port()
        process = spawn_with_pid_file(
            [server, "--port", str(port), "--bind", HOST, "--save", "", "--appendonly", "no",
             "--dir", work_dir, "--daemonize", "no"], work_dir, "redis.log")
        try:
            wait_until(lambda: redis_answers(port), process,
                       time.monotonic() + READY_TIMEOUT_S, "redis-server")
            return {"SENTRY_TRACE_TEST_REDIS_HOST": HOST, "SENTRY_TRACE_TEST_REDIS_PORT": str(port)}
        except RuntimeError as error:
            last_error = error
            stop_pid_file_server(work_dir)
            log(f"redis-server did not start on port {port}, retrying: {error}")
    raise RuntimeError(f"{last_error}\n{read_file(os.path.join(work_dir, 'redis.log'))}")


STARTERS = {"postgres": start_postgres, "mariadb": start_mariadb, "redis": start_redis}


# --- the command ---------------------------------------------------------------------------------

def exit_code_of(returncode):
    return 128 - returncode if returncode < 0 else returncode


def stop_command(process):
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def run_command(argv, environment, timeout_s):
    process = subprocess.Popen(argv, env=environment)
    try:
        return exit_code_of(process.wait(timeout=timeout_s))
    except subprocess.TimeoutExpired:
        log(f"command ran past {timeout_s:.0f} s; stopping it")
        return 124
    finally:
        stop_command(process)


def raise_stopped(signum, _frame):
    raise Stopped(signum)


def parse_arguments(argv):
    if "--" not in argv:
        sys.exit(__doc__)
    split = argv.index("--")
    parser = argparse.ArgumentParser(usage="servers.py <postgres|mariadb|redis> [--timeout S] -- <command...>")
    parser.add_argument("kind", choices=sorted(STARTERS))
    parser.add_argument("--timeout", type=float, default=float(
        os.environ.get("SENTRY_TRACE_SERVER_COMMAND_TIMEOUT", DEFAULT_COMMAND_TIMEOUT_S)))
    options = parser.parse_args(argv[:split])
    command = argv[split + 1:]
    if not command:
        parser.error("no command after --")
    return options, command


def main(argv):
    options, command = parse_arguments(argv)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, raise_stopped)
    work_dir = tempfile.mkdtemp(prefix=f"sentry_trace_{options.kind}_")
    watcher_pipe = None
    try:
        watcher_pipe = start_watcher(options.kind, work_dir)
        started = time.monotonic()
        try:
            server_environment = STARTERS[options.kind](work_dir)
        except RuntimeError as error:
            log(f"{options.kind} did not start: {error}")
            return 1
        log(f"{options.kind} ready on {HOST}:{next(v for k, v in server_environment.items() if k.endswith('_PORT'))}"
            f" in {time.monotonic() - started:.1f} s")
        environment = dict(os.environ)
        environment.update(server_environment)
        return run_command(command, environment, options.timeout)
    except KeyboardInterrupt:
        log(f"interrupted (SIGINT); stopping {options.kind}")
        return 128 + signal.SIGINT
    except Stopped as why:
        log(f"interrupted ({why}); stopping {options.kind}")
        return 128 + why.signum
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # finish cleaning up even on a second Ctrl-C
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        clean_up(options.kind, work_dir)
        if watcher_pipe is not None:
            os.close(watcher_pipe)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
