"""
What runs in a Python `code` artifact's sandbox instance (runtime python3.12 or python3.13): a child
process of the emulator, `python3 -I -u harness.py <code folder> <scratch folder>` (runner.ts
`PythonSandbox` starts it), alive as long as the instance. The counterpart of harness.ts, with the
same messages, over the child's stdin and stdout as JSON lines (one object a line) instead of Node's
IPC channel. stdout is the protocol's: the agent's own print() (and anything else written to
file descriptor 1) goes to stderr, and it reads nothing from stdin.

It loads the agent's entrypoint once (a file of the code folder, run as a module whose state lasts
while the instance is warm; its folder and the code folder are on sys.path), then runs one task per
`run` message, several at once up to the runtime's concurrency. The agent is the module's function
named `handle`:

    def handle(input, context): ...          # run in a thread of its own
    async def handle(input, context): ...    # run on the instance's event loop (one thread)

Its return value is the task's output (JSON-serializable; a str is the text as is). The context
reaches the runtime's own surfaces under its invokeUrl through the emulator (which makes the
request), so the agent needs no address, key or network:

    context.task_id, context.scratch      (a folder it may read and write, kept while the instance is)
    context.models.chat(request)          (OpenAI's chat completions through the runtime's gateway)
    context.memory.put(namespace, key, value, text=None), .get(namespace, key),
        .delete(namespace, key), .list(namespace), .search(q)
    context.channels.publish(peer_runtime_id, body, key=None),
        .receive(max_messages=None, visibility_timeout_seconds=None),
        .ack(message_id, receipt=None), .inbox()
    context.skills.list(), .call(name, arguments=None)   (the runtime's skills as tools)
    context.request(method, path, body=None)   (any request under the invokeUrl)

Each answers a dict {"status", "body", "routedTo", "hops"}: called from plain code (a `def handle`)
it blocks its thread and returns it; called in a coroutine (an `async def handle`) it returns an
awaitable of it, so that asyncio.gather runs several at once: `await` it there.

Its environment is the runtime's `env` and `secretEnv`; TMPDIR is the scratch folder.

Confinement: Python has no permission model. An audit hook (PEP 578), installed before the agent's
code loads and not removable, refuses (PermissionError, code ERR_ACCESS_DENIED, as Node's permission
model does) opening, listing or changing files outside the code folder (read only), the scratch
folder (read and write) and what the interpreter itself reads (its standard library, its
site-packages, the time zone and MIME databases); connecting, binding or resolving names with
sockets; and starting or signalling processes. It is a seat belt against an agent's accidents, not a
boundary against malicious code: native code (ctypes, C extensions) and whatever the interpreter
does not audit go around it.
"""

import asyncio
import concurrent.futures
import importlib.util
import inspect
import itertools
import json
import mimetypes
import os
import sys
import sysconfig
import threading
import traceback
from urllib.parse import quote

CODE_DIR = os.path.realpath(sys.argv[1])
SCRATCH_DIR = os.path.realpath(sys.argv[2])


class SandboxDenied(PermissionError):
    """What the audit hook raises: the task fails with this code, like Node's permission model's."""

    code = "ERR_ACCESS_DENIED"


class AgentFailure(Exception):
    """A failure of the harness's own with a code of its own (a missing entrypoint, no handle)."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


# --- The protocol's channel: the real stdin and stdout, kept from the agent ---------------------------

_IN = os.fdopen(os.dup(0), "rb")
_OUT = os.fdopen(os.dup(1), "wb")
_null = os.open(os.devnull, os.O_RDONLY)
os.dup2(_null, 0)
os.close(_null)
# The agent's print() and whatever else writes to fd 1 end in the emulator's stderr capture.
os.dup2(2, 1)
sys.stdout = sys.stderr

_out_lock = threading.Lock()


def _send(message):
    line = json.dumps(message, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode("ascii")
    with _out_lock:
        try:
            _OUT.write(line + b"\n")
            _OUT.flush()
        except OSError:
            # The emulator is gone: so is its sandbox.
            os._exit(0)


# --- Confinement: the audit hook ------------------------------------------------------------------------


def _roots_read():
    """What the agent may read: its code folder, and the interpreter's own files and data it reads."""
    roots = {CODE_DIR, os.path.realpath(__file__), os.path.realpath(sys.executable), os.devnull, "/dev/urandom"}
    for entry in sys.path:
        if entry:
            roots.add(os.path.realpath(entry))
    paths = sysconfig.get_paths()
    for name in ("stdlib", "platstdlib", "purelib", "platlib"):
        path = paths.get(name)
        if path:
            roots.add(os.path.realpath(path))
    for path in (sysconfig.get_config_var("TZPATH") or "").split(os.pathsep):
        if path:
            roots.add(os.path.realpath(path))
    roots.add("/etc/localtime")
    roots.update(os.path.realpath(f) for f in mimetypes.knownfiles)
    return tuple(sorted(roots))


_READ = _roots_read()
_WRITE = (SCRATCH_DIR, os.devnull)
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC

_NETWORK = frozenset(
    [
        "socket.connect",
        "socket.bind",
        "socket.sendto",
        "socket.sendmsg",
        "socket.getaddrinfo",
        "socket.gethostbyname",
        "socket.gethostbyaddr",
        "socket.getnameinfo",
    ]
)
_PROCESSES = frozenset(
    [
        "subprocess.Popen",
        "os.system",
        "os.exec",
        "os.spawn",
        "os.posix_spawn",
        "os.fork",
        "os.forkpty",
        "os.startfile",
        "os.killpg",
    ]
)
# Events that read the path they are given first.
_READS = frozenset(["os.listdir", "os.scandir", "os.listxattr", "os.getxattr"])
# Events that change paths: the indexes of the paths, and of their dir_fd (or None).
_WRITES = {
    "os.remove": ((0, 1),),
    "os.rmdir": ((0, 1),),
    "os.mkdir": ((0, 2),),
    "os.mkfifo": ((0, 2),),
    "os.mknod": ((0, 3),),
    "os.rename": ((0, 2), (1, 3)),
    "os.link": ((0, 2), (1, 3)),
    "os.symlink": ((1, 2),),
    "os.truncate": ((0, None),),
    "os.chmod": ((0, 2),),
    "os.chown": ((0, 3),),
    "os.utime": ((0, 3),),
    "os.chflags": ((0, None),),
    "os.lchflags": ((0, None),),
    "os.setxattr": ((0, None),),
    "os.removexattr": ((0, None),),
}
_WATCHED = _NETWORK | _PROCESSES | _READS | frozenset(_WRITES) | {"open", "os.kill"}

_checking = threading.local()


def _within(path, roots):
    for root in roots:
        if path == root or path.startswith(root if root.endswith(os.sep) else root + os.sep):
            return True
    return False


def _folder_of(fd):
    try:
        return os.readlink("/proc/self/fd/%d" % fd)
    except OSError:
        pass
    try:
        import fcntl

        return os.fsdecode(fcntl.fcntl(fd, fcntl.F_GETPATH, bytes(1024)).rstrip(b"\0"))
    except (ImportError, AttributeError, OSError):
        return None


def _resolve(path, dir_fd=None):
    """The real path `path` names (relative to dir_fd when given), or None when it cannot say."""
    try:
        text = os.fsdecode(os.fspath(path))
    except TypeError:
        return None
    if isinstance(dir_fd, int) and dir_fd >= 0 and not os.path.isabs(text):
        folder = _folder_of(dir_fd)
        if folder is None:
            return None
        text = os.path.join(folder, text)
    return os.path.realpath(text)


def _check_path(event, path, write, dir_fd=None):
    real = _resolve(path, dir_fd)
    if real is not None and (_within(real, _WRITE) or (not write and _within(real, _READ))):
        return
    what = "writing" if write else "reading"
    raise SandboxDenied(
        "%s %s: %s outside the sandbox; it reads its code folder and reads and writes its scratch folder"
        % (event, os.fsdecode(path) if isinstance(path, (str, bytes)) else path, what)
    )


def _audit(event, args):
    if event not in _WATCHED or getattr(_checking, "on", False):
        return
    _checking.on = True
    try:
        if event == "open":
            path, mode, flags = args
            write = bool(flags & _WRITE_FLAGS) if isinstance(flags, int) else False
            if isinstance(mode, str) and any(c in mode for c in "wax+"):
                write = True
            if not isinstance(path, int):
                _check_path(event, path, write)
        elif event in _READS:
            path = args[0] if args else None
            if not isinstance(path, int):
                _check_path(event, "." if path is None else path, False)
        elif event in _WRITES:
            for at, fd_at in _WRITES[event]:
                path = args[at]
                dir_fd = args[fd_at] if fd_at is not None and len(args) > fd_at else None
                if isinstance(path, int):
                    continue
                _check_path(event, path, True, dir_fd if isinstance(dir_fd, int) else None)
        elif event in _NETWORK:
            raise SandboxDenied(
                "%s: the sandbox has no network; reach models, memory and channels through the context"
                % event
            )
        elif event in _PROCESSES or (event == "os.kill" and args[0] != os.getpid()):
            raise SandboxDenied("%s: the sandbox starts and signals no process" % event)
    finally:
        _checking.on = False


# What the agent writes by default: its scratch folder, not the code folder (no __pycache__ there).
sys.dont_write_bytecode = True
os.environ["TMPDIR"] = SCRATCH_DIR
os.chdir(SCRATCH_DIR)
sys.addaudithook(_audit)


# --- The context: the runtime's surfaces, through the emulator ----------------------------------------------

_pending = {}
_ids = itertools.count()


def _call(task_id, method, path, body=None):
    """A request to `{invokeUrl}/{path}`, answered by the emulator: {status, body, routedTo, hops}."""
    call_id = next(_ids)
    future = concurrent.futures.Future()
    _pending[call_id] = future
    message = {"type": "call", "id": call_id, "taskId": task_id, "method": method, "path": path}
    if body is not None:
        message["body"] = body
    try:
        _send(message)
    except Exception:
        _pending.pop(call_id, None)
        raise
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return future.result()
    return asyncio.wrap_future(future, loop=loop)


def _segment(value):
    return quote(str(value), safe="")


class _Models:
    def __init__(self, task_id):
        self._task_id = task_id

    def chat(self, request):
        """OpenAI's chat completions through the runtime's gateway: {status, body, routedTo, hops}."""
        return _call(self._task_id, "POST", "models/v1/chat/completions", request)


class _Memory:
    """The runtime's cross-task memory (`memory.enabled`): each answers {status, body, ...}."""

    def __init__(self, task_id):
        self._task_id = task_id

    def _at(self, namespace, key):
        return "memory/%s/%s" % (_segment(namespace), _segment(key))

    def put(self, namespace, key, value, text=None):
        body = {"value": value}
        if text is not None:
            body["text"] = text
        return _call(self._task_id, "PUT", self._at(namespace, key), body)

    def get(self, namespace, key):
        return _call(self._task_id, "GET", self._at(namespace, key))

    def delete(self, namespace, key):
        return _call(self._task_id, "DELETE", self._at(namespace, key))

    def list(self, namespace):
        return _call(self._task_id, "GET", "memory/%s" % _segment(namespace))

    def search(self, q):
        return _call(self._task_id, "GET", "memory?q=%s" % _segment(q))


class _Channels:
    """Messages to the peers the runtime's `channels` declare, and its own inbox."""

    def __init__(self, task_id):
        self._task_id = task_id

    def publish(self, peer_runtime_id, body, key=None):
        message = {"body": body}
        if key is not None:
            message["key"] = key
        return _call(self._task_id, "POST", "channels/%s/messages" % _segment(peer_runtime_id), message)

    def receive(self, max_messages=None, visibility_timeout_seconds=None):
        options = {}
        if max_messages is not None:
            options["maxMessages"] = max_messages
        if visibility_timeout_seconds is not None:
            options["visibilityTimeoutSeconds"] = visibility_timeout_seconds
        return _call(self._task_id, "POST", "inbox/receive", options)

    def ack(self, message_id, receipt=None):
        body = {} if receipt is None else {"receipt": receipt}
        return _call(self._task_id, "POST", "inbox/messages/%s/ack" % _segment(message_id), body)

    def inbox(self):
        return _call(self._task_id, "GET", "inbox")


class _Skills:
    """The runtime's skills as tools: list() answers {tools, unavailable}, call() {isError, text} (in body)."""

    def __init__(self, task_id):
        self._task_id = task_id

    def list(self):
        return _call(self._task_id, "GET", "tools")

    def call(self, name, arguments=None):
        body = {"arguments": {} if arguments is None else arguments}
        return _call(self._task_id, "POST", "tools/%s" % _segment(name), body)


class Context:
    """What `handle(input, context)` is given for one task."""

    def __init__(self, task_id, scratch):
        self.task_id = task_id
        self.scratch = scratch
        self.models = _Models(task_id)
        self.memory = _Memory(task_id)
        self.channels = _Channels(task_id)
        self.skills = _Skills(task_id)

    def request(self, method, path, body=None):
        """Any request under the runtime's invokeUrl: {status, body, routedTo, hops}."""
        return _call(self.task_id, method, path, body)


# --- Loading the entrypoint and running tasks -------------------------------------------------------------

_handler = None
_loop = None
_loop_lock = threading.Lock()


def _event_loop():
    """The instance's event loop, where coroutines of the agent run: started at the first."""
    global _loop
    with _loop_lock:
        if _loop is None:
            _loop = asyncio.new_event_loop()
            threading.Thread(target=_loop.run_forever, name="agent-event-loop", daemon=True).start()
        return _loop


def _error_of(error):
    code = getattr(error, "code", None)
    if isinstance(code, str):
        return {"code": code, "message": str(error) or type(error).__name__}
    message = "%s: %s" % (type(error).__name__, error) if str(error) else type(error).__name__
    # Where in the agent's code it was raised, when it was.
    frames = [
        f
        for f in traceback.extract_tb(error.__traceback__)
        if _within(os.path.realpath(f.filename), (CODE_DIR,))
    ]
    if frames:
        where = frames[-1]
        message += " (%s line %s)" % (os.path.relpath(os.path.realpath(where.filename), CODE_DIR), where.lineno)
    return {"code": "AgentError", "message": message}


def _exit(stop):
    """sys.exit() in the agent's code: the process ends, as process.exit() in Node's."""
    code = stop.code
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    sys.stderr.flush()
    os._exit(code or 0)


def _load(entry):
    global _handler
    try:
        if not os.path.isfile(entry):
            raise AgentFailure("ERR_MODULE_NOT_FOUND", "the entrypoint %s is not a file" % entry)
        for folder in (CODE_DIR, os.path.dirname(os.path.realpath(entry))):
            if folder not in sys.path:
                sys.path.insert(0, folder)
        stem = os.path.splitext(os.path.basename(entry))[0]
        name = stem if stem.isidentifier() and stem not in sys.modules else "__agent__"
        spec = importlib.util.spec_from_file_location(name, entry)
        if spec is None or spec.loader is None:
            raise AgentFailure("ERR_MODULE_NOT_FOUND", "the entrypoint %s is not a Python module" % entry)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        handle = getattr(module, "handle", None)
        if not callable(handle):
            raise AgentFailure("NoHandler", "the entrypoint has no handle(input, context) function")
        _handler = handle
    except SystemExit as stop:
        _exit(stop)
    except BaseException as error:
        _send(dict(type="load-error", **_error_of(error)))
        sys.stderr.flush()
        os._exit(1)
    _send({"type": "loaded"})


async def _settle(awaitable):
    try:
        return await awaitable, None
    except BaseException as error:
        return None, error


def _task(task_id, text, scratch):
    try:
        output = _handler(text, Context(task_id, scratch))
        if inspect.isawaitable(output):
            future = asyncio.run_coroutine_threadsafe(_settle(output), _event_loop())
            output, error = future.result()
            if error is not None:
                raise error
    except SystemExit as stop:
        _exit(stop)
    except BaseException as error:
        _send(dict(type="error", taskId=task_id, **_error_of(error)))
        return
    try:
        _send({"type": "done", "taskId": task_id, "output": output})
    except (TypeError, ValueError) as error:
        _send(
            {
                "type": "error",
                "taskId": task_id,
                "code": "AgentError",
                "message": "the agent's output is not JSON: %s" % error,
            }
        )


def _serve():
    _send({"type": "ready"})
    for line in _IN:
        try:
            message = json.loads(line)
        except ValueError:
            continue
        kind = message.get("type")
        if kind == "call-result":
            future = _pending.pop(message.get("id"), None)
            if future is not None:
                future.set_result(
                    {
                        "status": message.get("status"),
                        "body": message.get("body"),
                        "routedTo": message.get("routedTo"),
                        "hops": message.get("hops", ""),
                    }
                )
        elif kind == "load":
            _load(message["entry"])
        elif kind == "run" and _handler is not None:
            threading.Thread(
                target=_task,
                args=(message["taskId"], message["input"], message["scratch"]),
                name="task-%s" % message["taskId"],
                daemon=True,
            ).start()
    # The emulator is gone: so is its sandbox.
    sys.stderr.flush()
    os._exit(0)


_serve()
