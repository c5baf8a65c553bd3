"""Start, stop and drive the vmkernel.multihoming test lab (an extended vCenter simulator).

Used by the ``tests/lab/lab`` launcher and by pytest::

    from labctl import Lab
    with Lab.start(hosts=10, clusters=3, scenario="tests/lab/scenarios/demo.yaml") as lab:
        si = SmartConnect(host=lab.hostname, port=lab.port, user=lab.username,
                          pwd=lab.password, disableSslCertValidation=True)
        ...
        lab.journal()

Standard library and PyYAML only.
"""

import fcntl
import glob
import json
import os
import signal
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "vcsim")
BUILD_DIR = os.path.join(HERE, ".build")
BINARY = os.path.join(BUILD_DIR, "vcsim")
DEFAULT_STATE = os.path.join(HERE, ".state")
GOPATH = "/usr/share/gocode"

_SOAP_PING = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>'
    '<RetrieveServiceContent xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance</_this>'
    "</RetrieveServiceContent></soapenv:Body></soapenv:Envelope>"
)


class LabError(RuntimeError):
    pass


def _ssl_ctx():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def ensure_built(verbose=False):
    """Build the Go binary if it is missing or older than any .go source. Returns its path."""
    sources = glob.glob(os.path.join(SRC, "*.go"))
    if not sources:
        raise LabError("no Go sources in %s" % SRC)
    newest = max(os.path.getmtime(p) for p in sources)
    if os.path.exists(BINARY) and os.path.getmtime(BINARY) >= newest:
        return BINARY
    os.makedirs(BUILD_DIR, exist_ok=True)
    with open(os.path.join(BUILD_DIR, "build.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # concurrent pytest sessions build once
        if os.path.exists(BINARY) and os.path.getmtime(BINARY) >= newest:
            return BINARY
        env = dict(os.environ, GO111MODULE="off", GOPATH=GOPATH)
        home = env.get("HOME")
        if not home or not os.access(home, os.W_OK):
            env["HOME"] = BUILD_DIR
        if "GOCACHE" not in env and not os.access(env["HOME"], os.W_OK):
            env["GOCACHE"] = os.path.join(BUILD_DIR, "gocache")
        tmp = BINARY + ".tmp.%d" % os.getpid()
        if verbose:
            print("lab: building %s" % BINARY, flush=True)
        proc = subprocess.run(["go", "build", "-o", tmp, "."], check=False, cwd=SRC, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if proc.returncode != 0:
            raise LabError("go build failed:\n" + proc.stdout)
        os.replace(tmp, BINARY)
    return BINARY


def load_scenario(scenario):
    """A scenario is a dict, or a path to a YAML (or JSON) file. Returns a dict."""
    if scenario is None:
        return None
    if isinstance(scenario, dict):
        return scenario
    import yaml

    with open(scenario) as f:
        data = yaml.safe_load(f)
    if not isinstance(data, dict):
        raise LabError("scenario %s: the document must be a mapping" % scenario)
    return data


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie child of ours is not alive
        wpid, _status = os.waitpid(pid, os.WNOHANG)
        return wpid == 0
    except ChildProcessError:
        return True


class Lab:
    """A running lab. Create with Lab.start() or Lab.attach()."""

    def __init__(self, info, state_dir, proc=None, own_state_dir=False):
        self.hostname = info["hostname"]
        self.port = info["port"]
        self.username = info["username"]
        self.password = info["password"]
        self.pid = info["pid"]
        self.info = info
        self.state_dir = state_dir
        self._proc = proc
        self._own_state_dir = own_state_dir

    # ---- life cycle ----

    @classmethod
    def start(cls, hosts=None, clusters=None, esx=False, scenario=None, state_dir=None, timeout=120,
              latency_ms=0, jitter_ms=0, latency_methods=None, password=None):
        """latency_ms/jitter_ms: every SOAP call (or only those named in latency_methods) waits
        latency_ms plus a random 0..jitter_ms milliseconds before the lab serves it. password: the
        login password (default VMware1!)."""
        binary = ensure_built()
        own = state_dir is None
        if own:
            state_dir = tempfile.mkdtemp(prefix="vmk-lab-")
        # Absolute: the server runs with the state dir as its working directory.
        state_dir = os.path.abspath(state_dir)
        os.makedirs(state_dir, exist_ok=True)
        conn_file = os.path.join(state_dir, "connection.json")
        for name in ("connection.json", "lab.pid"):
            try:
                os.remove(os.path.join(state_dir, name))
            except FileNotFoundError:
                pass
        args = [binary, "-listen", "127.0.0.1:0", "-conn-file", conn_file]
        if hosts is not None:
            args += ["-hosts", str(int(hosts))]
        if clusters is not None:
            args += ["-clusters", str(int(clusters))]
        if esx:
            args.append("-esx")
        if latency_ms or jitter_ms:
            args += ["-latency-ms", str(int(latency_ms)), "-jitter-ms", str(int(jitter_ms))]
        if latency_methods:
            args += ["-latency-methods", ",".join(latency_methods)]
        if password is not None:
            args += ["-password", password]
        data = load_scenario(scenario)
        if data is not None:
            path = os.path.join(state_dir, "scenario.json")
            with open(path, "w") as f:
                json.dump(data, f, indent=1, default=str)
            args += ["-scenario", path]
        log_path = os.path.join(state_dir, "lab.log")
        with open(log_path, "w") as log:
            proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    start_new_session=True, cwd=state_dir)
        with open(os.path.join(state_dir, "lab.pid"), "w") as f:
            f.write("%d\n" % proc.pid)
        deadline = time.time() + timeout
        while not os.path.exists(conn_file):
            if proc.poll() is not None:
                raise LabError("lab exited with %s:\n%s" % (proc.returncode, _tail(log_path)))
            if time.time() > deadline:
                proc.kill()
                raise LabError("lab did not start within %ss:\n%s" % (timeout, _tail(log_path)))
            time.sleep(0.05)
        with open(conn_file) as f:
            info = json.load(f)
        lab = cls(info, state_dir, proc, own)
        lab._wait_soap(deadline)
        return lab

    @classmethod
    def attach(cls, state_dir=DEFAULT_STATE):
        """The lab started earlier with this state dir (used by the CLI)."""
        try:
            with open(os.path.join(state_dir, "connection.json")) as f:
                info = json.load(f)
        except FileNotFoundError:
            raise LabError("no lab running in %s (run: lab start)" % state_dir)
        if not _alive(info["pid"]):
            raise LabError("the lab in %s (pid %s) is not running" % (state_dir, info["pid"]))
        return cls(info, state_dir)

    def _wait_soap(self, deadline):
        req_url = "https://%s:%d/sdk" % (self.hostname, self.port)
        while True:
            try:
                req = urllib.request.Request(req_url, data=_SOAP_PING.encode(), method="POST",
                                             headers={"Content-Type": "text/xml", "SOAPAction": "urn:vim25/8.0"})
                with urllib.request.urlopen(req, context=_ssl_ctx(), timeout=5) as r:
                    if b"ServiceContent" in r.read():
                        return
            except (urllib.error.URLError, ConnectionError, OSError):
                if time.time() > deadline:
                    raise LabError("lab does not answer SOAP on %s" % req_url)
                time.sleep(0.1)

    def stop(self):
        pid = self.pid
        if _alive(pid):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            for _attempt in range(100):
                if not _alive(pid):
                    break
                time.sleep(0.05)
            else:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        if self._proc is not None:
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        for name in ("connection.json", "lab.pid"):
            try:
                os.remove(os.path.join(self.state_dir, name))
            except FileNotFoundError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    # ---- control endpoints ----

    def _call(self, method, path, body=None):
        url = "https://%s:%d%s" % (self.hostname, self.port, path)
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, context=_ssl_ctx(), timeout=30) as r:
                return json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            raise LabError("%s %s: %s" % (method, path, e.read().decode(errors="replace")))

    # The calls that write the collection's change records (vCenter custom fields), not host changes.
    RECORD_METHODS = ("AddCustomFieldDef", "SetField")

    def journal(self, since=0, records=False):
        """Mutating calls so far: [{seq, time, method, host, object, args[, fault, message, event]}].
        The change-record calls (RECORD_METHODS) are left out unless records=True, so that tests
        of host changes compare exactly the host's calls; tests of records ask for them."""
        entries = self._call("GET", "/lab/journal?since=%d" % since)
        if records:
            return entries
        return [e for e in entries if e["method"] not in self.RECORD_METHODS]

    def clear_journal(self):
        self._call("DELETE", "/lab/journal")

    def inject_fault(self, method, host="*", nth=1, fault="HostConfigFault", message=None, count=1):
        """Make the nth (and the following count-1) call of method on host fail with fault."""
        rule = {"method": method, "host": host, "nth": nth, "fault": fault, "count": count}
        if message:
            rule["message"] = message
        return self._call("POST", "/lab/faults", rule)

    def faults(self):
        return self._call("GET", "/lab/faults")

    def clear_faults(self):
        self._call("DELETE", "/lab/faults")

    def hold(self, method, host="*", nth=1, count=1, timeout_s=120):
        """Make the nth (and the following count-1) call of method on host wait until released
        (release_held) or until timeout_s passes; then it runs normally."""
        return self._call("POST", "/lab/holds", {"method": method, "host": host, "nth": nth, "count": count,
                                                 "action": "hold", "timeout_s": timeout_s})

    def drop(self, method, host="*", nth=1, count=1, when="before"):
        """Close the connection of the nth call of method on host without an answer, before the
        call runs (when="before") or after it ran (when="after")."""
        return self._call("POST", "/lab/holds", {"method": method, "host": host, "nth": nth, "count": count,
                                                 "action": "drop", "when": when})

    def holds(self):
        """{"rules": [...], "held": [{id, method, host, object, since}]}: rules and calls waiting now."""
        return self._call("GET", "/lab/holds")

    def wait_held(self, timeout=60.0):
        """Wait until a call is held; return it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            held = self.holds()["held"]
            if held:
                return held[0]
            time.sleep(0.05)
        raise LabError("no call was held within %.0f s" % timeout)

    def release_held(self, id=0):
        """Release one held call by id, or every held call (id 0); returns how many."""
        return self._call("POST", "/lab/holds/release", {"id": id})["released"]

    def clear_holds(self):
        """Remove every hold and drop rule and release every held call."""
        self._call("DELETE", "/lab/holds")

    def latency(self):
        """{latency_ms, jitter_ms, methods, delayed: {SOAP method: calls delayed so far}}."""
        return self._call("GET", "/lab/latency")

    def connection(self):
        return {"hostname": self.hostname, "port": self.port, "username": self.username,
                "password": self.password, "pid": self.pid}


def _tail(path, n=30):
    try:
        with open(path) as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return ""
