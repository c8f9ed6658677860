#!/usr/bin/env python3
"""A logging fake of the Docker Engine API on a unix socket, for client parity
tests: the stock docker CLI and minidock run the same commands against it and
the suite compares the requests each sent (one JSON line per request in the
log) and what each printed.

Containers are simulated: their Entrypoint+Cmd runs as a local process (with
a pty when Tty), so attach, exec, stdin, signals and exit codes behave for
real. Only the test's own harmless commands (echo, cat, sh, sleep) are run.
Image names containing "nosuch" fail to pull with docker's 404, "failpull"
fails inside the progress stream.

usage: fake.py SOCKET LOGFILE"""
import json, os, socket, socketserver, sys, threading, time, subprocess, pty, select, re, urllib.parse, struct, hashlib, random, signal

SOCK = sys.argv[1]
LOG = open(sys.argv[2], 'a', buffering=1)
IMAGES = {"busybox:latest": "sha256:" + "ab" * 32}
lock = threading.RLock()
CONTAINERS = {}   # id -> dict
PIDS = set()      # simulated container processes, killed when the fake ends
# GET /_fake/settle answers once everything a client that has exited can still cause to
# be logged is in the log, so the test needs no guessed sleep: its stdin pumps have seen
# EOF (an attach's "client-stdin-eof"), and no connection has a request being parsed or
# waiting unread (a request sent without waiting for the answer, like a resize).
# Connections busy serving (an attach waiting for its process) log nothing more.
PUMPS = [0]
CONNS = {}        # socket -> "reading" | "parsing" | "serving"
STATE = threading.Condition()

def busy(delta):
    with STATE:
        PUMPS[0] += delta
        STATE.notify_all()

def conn_state(sock, st):
    with STATE:
        if st is None:
            CONNS.pop(sock, None)
        else:
            CONNS[sock] = st
        STATE.notify_all()

def settled(me):
    with STATE:
        if PUMPS[0]:
            return False
        reading = [s for s, st in CONNS.items() if s is not me and st == "reading"]
        if any(st == "parsing" for s, st in CONNS.items() if s is not me):
            return False
    try:
        r, _, _ = select.select(reading, [], [], 0)
    except (OSError, ValueError):
        return False  # a socket closed meanwhile: look again
    return not r
WANT = {}         # attach socket -> (stdout, stderr) it asked for
EXECS = {}

def now_iso():
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + ".123456789Z"

def norm_image(img):
    if ":" not in img.split("/")[-1]:
        img += ":latest"
    return img

def find(ref):
    ref = ref.lstrip("/")
    with lock:
        for c in CONTAINERS.values():
            if c["Id"] == ref or c["Name"] == "/" + ref:
                return c
        m = [c for c in CONTAINERS.values() if c["Id"].startswith(ref)]
        return m[0] if len(m) == 1 else None

class Proc:
    """A simulated container process: local subprocess with pipes or a pty."""
    def __init__(self, c):
        self.c = c
        self.subs = list(c.get("pending", []))  # attached before start
        c["pending"] = []
        self.cond = threading.Condition()
        self.exited = False
        self.code = None
        args = (c["Config"]["Entrypoint"] or []) + (c["Config"]["Cmd"] or [])
        if not args:
            args = ["sh"]
        tty = c["Config"]["Tty"]
        self.tty = tty
        if tty:
            pid, fd = pty.fork()
            if pid == 0:
                os.execvp(args[0], args)
            self.pid = pid
            self.master = fd
            self.stdin_fd = fd
        else:
            self.p = subprocess.Popen(args, stdin=subprocess.PIPE if c["Config"]["OpenStdin"] else subprocess.DEVNULL,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            self.pid = self.p.pid
            self.stdin_fd = self.p.stdin.fileno() if self.p.stdin else None
        PIDS.add(self.pid)
        if "exec" in c:
            # known to /exec/ID/json before it can exit: a client that saw the stream end
            # asks for the exit code at once
            c["exec"]["proc"] = self
        threading.Thread(target=self.pump, daemon=True).start()

    def broadcast(self, stream, data):
        with self.cond:
            for s in list(self.subs):
                want = WANT.get(s, (True, True))
                if not want[stream - 1] and not self.tty:
                    continue  # moby sends only the streams the attach asked for
                try:
                    if self.tty:
                        s.sendall(data)
                    else:
                        s.sendall(struct.pack(">BxxxI", stream, len(data)) + data)
                except OSError:
                    pass
            self.c["log"].append((stream, data))

    def pump(self):
        if self.tty:
            while True:
                try:
                    d = os.read(self.master, 65536)
                except OSError:
                    d = b""
                if not d:
                    break
                self.broadcast(1, d)
            _, st = os.waitpid(self.pid, 0)
            code = os.waitstatus_to_exitcode(st)
        else:
            fds = {self.p.stdout.fileno(): 1, self.p.stderr.fileno(): 2}
            while fds:
                r, _, _ = select.select(list(fds), [], [])
                for fd in r:
                    d = os.read(fd, 65536)
                    if not d:
                        del fds[fd]
                    else:
                        self.broadcast(fds[fd], d)
            code = self.p.wait()
        if code < 0:
            code = 128 - code
        with self.cond:
            self.exited = True
            self.code = code
            for s in self.subs:
                try:
                    s.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
            self.cond.notify_all()
        with lock:
            c = self.c
            c["State"].update(Status="exited", Running=False, Paused=False, Pid=0, ExitCode=code, FinishedAt=now_iso())
            c["exit_ev"].set()
            if c["HostConfig"].get("AutoRemove"):
                CONTAINERS.pop(c["Id"], None)
                c["removed_ev"].set()

def status_line(c):
    st = c["State"]
    if st["Status"] == "running":
        return "Up 5 seconds" + (" (Paused)" if st["Paused"] else "")
    if st["Status"] == "paused":
        return "Up 5 seconds (Paused)"
    if st["Status"] == "created":
        return "Created"
    return "Exited (%d) 3 seconds ago" % st["ExitCode"]

class H(socketserver.StreamRequestHandler):
    def send(self, code, body=None, ctype="application/json", headers=()):
        reason = {200: "OK", 201: "Created", 204: "No Content", 304: "Not Modified", 404: "Not Found", 409: "Conflict", 400: "Bad Request", 500: "Internal Server Error", 101: "UPGRADED"}.get(code, "X")
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body) + "\n"
        if isinstance(body, str):
            body = body.encode()
        h = "HTTP/1.1 %d %s\r\nApi-Version: 1.50\r\nOstype: linux\r\nDocker-Experimental: false\r\nServer: Docker/28.2.2 (linux)\r\n" % (code, reason)
        for k in headers:
            h += k + "\r\n"
        if body is not None and code not in (204, 304):
            h += "Content-Type: %s\r\nContent-Length: %d\r\n" % (ctype, len(body))
        elif code not in (204, 304, 101):
            h += "Content-Length: 0\r\n"
        self.wfile.write((h + "\r\n").encode() + (body if body and code not in (204, 304) else b""))
        self.wfile.flush()

    def err(self, code, msg):
        self.send(code, {"message": msg})

    def chunked_start(self, ctype="application/json"):
        h = "HTTP/1.1 200 OK\r\nApi-Version: 1.50\r\nServer: Docker/28.2.2 (linux)\r\nContent-Type: %s\r\nTransfer-Encoding: chunked\r\n\r\n" % ctype
        self.wfile.write(h.encode()); self.wfile.flush()

    def chunk(self, data):
        if isinstance(data, str):
            data = data.encode()
        if data:
            self.wfile.write(b"%x\r\n" % len(data) + data + b"\r\n"); self.wfile.flush()

    def chunk_end(self):
        self.wfile.write(b"0\r\n\r\n"); self.wfile.flush()

    def handle(self):
        try:
            self.serve()
        finally:
            conn_state(self.request, None)

    def serve(self):
        while True:
            conn_state(self.request, "reading")
            line = self.rfile.readline()
            conn_state(self.request, "parsing")
            if not line:
                return
            line = line.decode().rstrip("\r\n")
            if not line:
                continue
            method, target, _ = line.split(" ", 2)
            hdrs = {}
            while True:
                l = self.rfile.readline().decode().rstrip("\r\n")
                if not l:
                    break
                k, v = l.split(":", 1)
                hdrs[k.lower()] = v.strip()
            body = b""
            if "content-length" in hdrs:
                body = self.rfile.read(int(hdrs["content-length"]))
            elif hdrs.get("transfer-encoding", "").lower() == "chunked":
                while True:
                    n = int(self.rfile.readline().strip(), 16)
                    if n == 0:
                        self.rfile.readline(); break
                    body += self.rfile.read(n); self.rfile.readline()
            u = urllib.parse.urlsplit(target)
            path = re.sub(r"^/v[0-9.]+", "", u.path)
            q = dict(urllib.parse.parse_qsl(u.query, keep_blank_values=True))
            ua = hdrs.get("user-agent", "")
            who = "docker" if ua.startswith("Docker") else "md"
            rec = {"who": who, "m": method, "p": path, "q": q, "raw": target}
            if hdrs.get("upgrade"):
                rec["upgrade"] = hdrs["upgrade"]
            if body:
                try:
                    rec["body"] = json.loads(body)
                    rec["rawbody"] = body.decode()
                except Exception:
                    rec["body"] = body[:200].decode(errors="replace")
            if path == "/_fake/settle":
                deadline = time.time() + 10
                while not settled(self.request) and time.time() < deadline:
                    time.sleep(0.01)
                self.send(200 if settled(self.request) else 504, None)
                return
            if path != "/_ping":
                LOG.write(json.dumps(rec) + "\n")
            conn_state(self.request, "serving")
            if self.route(method, path, q, hdrs, body) == "close":
                return

    def route(self, m, p, q, hdrs, body):
        if p == "/_ping":
            self.send(200, "OK" if m == "GET" else None, "text/plain; charset=utf-8", ["Cache-Control: no-cache, no-store, must-revalidate", "Pragma: no-cache", "Swarm: inactive"])
            return
        if p == "/version":
            return self.send(200, {"Version": "28.2.2", "ApiVersion": "1.50", "MinAPIVersion": "1.24", "Os": "linux", "Arch": "amd64", "KernelVersion": "6.1", "GitCommit": "x", "GoVersion": "go", "BuildTime": "2024-01-01T00:00:00Z"})
        if p == "/info":
            return self.send(200, {"OSType": "linux", "Swarm": {"LocalNodeState": "inactive", "ControlAvailable": False}})
        if p == "/containers/create" and m == "POST":
            cfg = json.loads(body)
            img = norm_image(cfg["Image"])
            if img not in IMAGES:
                return self.err(404, "No such image: " + img)
            name = q.get("name") or "fake_%d" % random.randint(0, 1 << 30)
            with lock:
                for c in CONTAINERS.values():
                    if c["Name"] == "/" + name:
                        return self.err(409, 'Conflict. The container name "/%s" is already in use by container "%s". You have to remove (or rename) that container to be able to reuse that name.' % (name, c["Id"]))
                cid = hashlib.sha256(os.urandom(16)).hexdigest()
                hc = cfg.pop("HostConfig", {}) or {}
                cfg.pop("NetworkingConfig", None)
                ports = {}
                for k in (cfg.get("ExposedPorts") or {}):
                    ports[k] = None
                for k, v in (hc.get("PortBindings") or {}).items():
                    ports[k] = [{"HostIp": b["HostIp"] or "0.0.0.0", "HostPort": b["HostPort"] or "32768"} for b in v]
                c = {"Id": cid, "Created": now_iso(), "Path": "sh", "Args": [], "Name": "/" + name,
                     "State": {"Status": "created", "Running": False, "Paused": False, "Restarting": False, "OOMKilled": False, "Dead": False, "Pid": 0, "ExitCode": 0, "Error": "", "StartedAt": "0001-01-01T00:00:00Z", "FinishedAt": "0001-01-01T00:00:00Z"},
                     "Image": IMAGES[img], "Config": cfg, "HostConfig": hc,
                     "NetworkSettings": {"Ports": ports, "Networks": {"bridge": {"IPAddress": "172.17.0.2"}}},
                     "Mounts": [], "log": [], "exit_ev": threading.Event(), "removed_ev": threading.Event(), "proc": None, "created_unix": int(time.time())}
                CONTAINERS[cid] = c
            return self.send(201, {"Id": cid, "Warnings": []})
        if p == "/images/create" and m == "POST":
            img = q.get("fromImage", "")
            tag = q.get("tag", "latest")
            short = re.sub(r"^docker.io/(library/)?", "", img) + ":" + tag
            if "nosuch" in img:
                return self.err(404, "pull access denied for %s, repository does not exist or may require 'docker login'" % re.sub(r"^docker.io/(library/)?", "", img))
            self.chunked_start()
            for l in [{"status": "Pulling from library/busybox", "id": tag},
                      {"status": "Pulling fs layer", "progressDetail": {}, "id": "aabbccddeeff"},
                      {"status": "Downloading", "progressDetail": {"current": 1000, "total": 2000}, "progress": "[=====>    ] 1kB/2kB", "id": "aabbccddeeff"},
                      {"status": "Pull complete", "progressDetail": {}, "id": "aabbccddeeff"},
                      {"status": "Digest: sha256:" + "cd" * 32},
                      {"status": "Status: Downloaded newer image for " + short}]:
                self.chunk(json.dumps(l) + "\r\n")
            if "failpull" in img:
                self.chunk(json.dumps({"errorDetail": {"message": "simulated failure"}, "error": "simulated failure"}) + "\r\n")
            else:
                IMAGES[short] = "sha256:" + "ef" * 32
            self.chunk_end()
            return
        if p == "/containers/json":
            out = []
            with lock:
                cs = sorted(CONTAINERS.values(), key=lambda c: -c["created_unix"])
            for c in cs:
                if q.get("all") != "1" and c["State"]["Status"] not in ("running", "paused"):
                    continue
                ports = []
                for k, v in (c["NetworkSettings"]["Ports"] or {}).items():
                    pn, pr = k.split("/")
                    if not v:
                        ports.append({"PrivatePort": int(pn), "Type": pr})
                    else:
                        for b in v:
                            ports.append({"IP": b["HostIp"], "PrivatePort": int(pn), "PublicPort": int(b["HostPort"]), "Type": pr})
                cmd = (c["Config"].get("Entrypoint") or []) + (c["Config"].get("Cmd") or [])
                o = {"Id": c["Id"], "Names": [c["Name"]], "Image": c["Config"]["Image"], "ImageID": c["Image"], "Command": " ".join(cmd),
                     "Created": c["created_unix"], "Ports": ports, "Labels": c["Config"].get("Labels") or {},
                     "State": c["State"]["Status"], "Status": status_line(c), "HostConfig": {"NetworkMode": "bridge"},
                     "NetworkSettings": {"Networks": {"bridge": {}}}, "Mounts": []}
                if q.get("size") == "1":
                    o["SizeRw"] = 12; o["SizeRootFs"] = 4400000
                out.append(o)
            lim = int(q.get("limit", "-1") or -1)
            if lim > 0:
                out = out[:lim]
            return self.send(200, out)
        mm = re.match(r"^/containers/([^/]+)(/[a-z]+)?$", p)
        if mm:
            return self.container_route(m, mm.group(1), mm.group(2) or "", q, hdrs, body)
        mm = re.match(r"^/exec/([^/]+)/(start|json|resize)$", p)
        if mm:
            return self.exec_route(m, mm.group(1), mm.group(2), q, hdrs, body)
        mm = re.match(r"^/images/(.+)/json$", p)
        if mm:
            n = norm_image(mm.group(1))
            if n in IMAGES:
                return self.send(200, {"Id": IMAGES[n], "RepoTags": [n], "Config": {"Cmd": ["sh"]}})
            return self.err(404, "No such image: " + mm.group(1))
        if p.startswith("/networks/") or p.startswith("/volumes/") or p.startswith("/plugins/"):
            kind = p.split("/")[1][:-1]
            return self.err(404, "%s %s not found" % (kind, p.split("/")[2]))
        if p == "/containers/prune":
            with lock:
                ids = [c["Id"] for c in CONTAINERS.values() if c["State"]["Status"] == "exited"]
                for i in ids:
                    CONTAINERS.pop(i)
            return self.send(200, {"ContainersDeleted": ids or None, "SpaceReclaimed": 0})
        if p == "/events":
            self.chunked_start()
            time.sleep(30)
            return "close"
        return self.err(404, "page not found")

    def hijack(self, tty):
        ct = "application/vnd.docker.raw-stream" if tty else "application/vnd.docker.multiplexed-stream"
        self.wfile.write(("HTTP/1.1 101 UPGRADED\r\nContent-Type: %s\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n" % ct).encode())
        self.wfile.flush()

    def stdin_pump_thread(self, proc, sock, close_on_eof):
        # counted as busy from before the thread starts, not from when it runs
        busy(1)

        def run():
            try:
                self.stdin_pump(proc, sock, close_on_eof)
            finally:
                busy(-1)
        threading.Thread(target=run, daemon=True).start()

    def stdin_pump(self, proc, sock, close_on_eof):
        while True:
            try:
                d = sock.recv(65536)
            except OSError:
                d = b""
            if not d:
                break
            if proc and proc.stdin_fd is not None:
                try:
                    os.write(proc.stdin_fd, d)
                except OSError:
                    break
        LOG.write(json.dumps({"event": "client-stdin-eof"}) + "\n")
        if proc and close_on_eof and not proc.tty and proc.p.stdin:
            try:
                proc.p.stdin.close()
            except OSError:
                pass

    def container_route(self, m, ref, action, q, hdrs, body):
        c = find(ref)
        if not c:
            if action == "/wait" and m == "POST":
                pass
            return self.err(404, "No such container: " + ref)
        st = c["State"]
        if action == "/json" or (action == "" and m == "GET"):
            o = {k: v for k, v in c.items() if k not in ("log", "exit_ev", "removed_ev", "proc", "created_unix")}
            return self.send(200, o)
        if action == "" and m == "DELETE":
            if st["Running"] and q.get("force") != "1":
                return self.err(409, 'cannot remove container "%s": container is running: stop the container before removing or force remove' % c["Name"])
            if st["Running"]:
                os.kill(c["proc"].pid, 9)
                c["exit_ev"].wait(5)
            with lock:
                CONTAINERS.pop(c["Id"], None)
            c["removed_ev"].set()
            return self.send(204)
        if action == "/start":
            if st["Running"]:
                return self.send(304)
            with lock:
                st.update(Status="running", Running=True, StartedAt=now_iso(), ExitCode=0)
                c["exit_ev"].clear()
                c["proc"] = Proc(c)
            st["Pid"] = c["proc"].pid
            return self.send(204)
        if action == "/wait":
            cond = q.get("condition", "not-running")
            self.chunked_start()
            if cond == "removed":
                c["removed_ev"].wait()
            elif cond == "next-exit":
                while not (c["proc"] and c["exit_ev"].is_set()):
                    time.sleep(0.01)
            else:
                if st["Running"]:
                    c["exit_ev"].wait()
            self.chunk(json.dumps({"StatusCode": c["State"]["ExitCode"], "Error": None}) + "\n")
            self.chunk_end()
            return
        if action == "/attach":
            if st["Paused"]:
                return self.err(409, "You cannot attach to a paused container, unpause it first")
            tty = c["Config"]["Tty"]
            self.hijack(tty)
            sock = self.request
            WANT[sock] = (q.get("stdout") == "1", q.get("stderr") == "1")
            with lock:
                if not st["Running"]:
                    c.setdefault("pending", []).append(sock)
                    registered = True
                else:
                    registered = False
            while not st["Running"] and not c.get("proc"):
                time.sleep(0.01)
            while c["proc"] is None:
                time.sleep(0.01)
            proc = c["proc"]
            want_stdin = q.get("stdin") == "1"
            with proc.cond:
                if not registered:
                    proc.subs.append(sock)
                if proc.exited:
                    sock.shutdown(socket.SHUT_WR)
            if want_stdin:
                self.stdin_pump(proc, sock, c["Config"].get("StdinOnce"))
            with proc.cond:
                while not proc.exited:
                    proc.cond.wait()
            time.sleep(0.05)
            return "close"
        if action == "/resize":
            LOG.write(json.dumps({"event": "resize", "h": q.get("h"), "w": q.get("w")}) + "\n")
            return self.send(200, None, "text/plain")
        if action == "/stop" or action == "/kill" or action == "/restart":
            if action == "/kill" and not st["Running"]:
                return self.err(409, "cannot kill container: %s: container %s is not running" % (ref, c["Id"]))
            if action == "/stop" and not st["Running"]:
                return self.send(304)
            if st["Running"]:
                name = q.get("signal", "KILL").upper()
                name = name if name.startswith("SIG") else "SIG" + name
                sig = (int(q["signal"]) if q.get("signal", "").isdigit() else getattr(signal, name, 9)) if action == "/kill" else 9
                try:
                    os.kill(c["proc"].pid, sig)
                except OSError:
                    pass
                if action != "/kill":
                    c["exit_ev"].wait(5)
            if action == "/restart":
                st.update(Status="running", Running=True)
                c["proc"] = Proc(c)
            return self.send(204)
        if action == "/pause":
            if st["Paused"]:
                return self.err(409, "Container %s is already paused" % c["Id"])
            if not st["Running"]:
                return self.err(409, "Container %s is not running" % c["Id"])
            st.update(Paused=True, Status="paused")
            return self.send(204)
        if action == "/unpause":
            if not st["Paused"]:
                return self.err(500, "Container %s is not paused" % c["Id"])
            st.update(Paused=False, Status="running")
            return self.send(204)
        if action == "/rename":
            c["Name"] = "/" + q["name"]
            return self.send(204)
        if action == "/top":
            if not st["Running"]:
                return self.err(409, "container %s is not running" % c["Id"])
            return self.send(200, {"Titles": ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"], "Processes": [["root", "12345", "12300", "0", "10:00", "?", "00:00:00", "sleep 100"], ["root", "12399", "12345", "0", "10:01", "pts/0", "00:00:00", "sh -c echo hello world long"]]})
        if action == "/changes":
            return self.send(200, [{"Path": "/etc", "Kind": 0}, {"Path": "/etc/foo", "Kind": 1}, {"Path": "/tmp/x", "Kind": 2}])
        if action == "/stats":
            return self.send(200, {"read": now_iso(), "preread": now_iso(), "id": c["Id"], "name": c["Name"], "pids_stats": {"current": 3},
                                    "cpu_stats": {"cpu_usage": {"total_usage": 2000000000}, "system_cpu_usage": 100000000000, "online_cpus": 2},
                                    "precpu_stats": {"cpu_usage": {"total_usage": 1000000000}, "system_cpu_usage": 90000000000, "online_cpus": 2},
                                    "memory_stats": {"usage": 5000000, "limit": 2000000000, "stats": {"inactive_file": 1000000}},
                                    "networks": {"eth0": {"rx_bytes": 1234, "tx_bytes": 567}},
                                    "blkio_stats": {"io_service_bytes_recursive": [{"op": "read", "value": 4096}, {"op": "write", "value": 8192}]}})
        if action == "/logs":
            tty = c["Config"]["Tty"]
            self.chunked_start("application/vnd.docker.raw-stream" if tty else "application/vnd.docker.multiplexed-stream")
            for s, d in c["log"]:
                if q.get("stdout") != "1" and s == 1: continue
                if q.get("stderr") != "1" and s == 2: continue
                if q.get("timestamps") == "1":
                    d = b"2024-01-01T00:00:00.000000000Z " + d
                self.chunk(d if tty else struct.pack(">BxxxI", s, len(d)) + d)
            if q.get("follow") == "1" and st["Running"]:
                c["exit_ev"].wait()
            self.chunk_end()
            return
        if action == "/exec":
            if not st["Running"]:
                return self.err(409, "container %s is not running" % c["Id"])
            eid = hashlib.sha256(os.urandom(8)).hexdigest()
            EXECS[eid] = {"cfg": json.loads(body), "c": c, "code": None}
            return self.send(201, {"Id": eid})
        return self.err(404, "page not found")

    def exec_route(self, m, eid, action, q, hdrs, body):
        e = EXECS.get(eid)
        if not e:
            return self.err(404, "No such exec instance: " + eid)
        if action == "json":
            pr = e.get("proc")
            code = pr.code if pr is not None and pr.exited else (e["code"] or 0)
            return self.send(200, {"ID": eid, "Running": False, "ExitCode": code, "ContainerID": e["c"]["Id"], "Pid": 1})
        if action == "resize":
            LOG.write(json.dumps({"event": "exec-resize", "h": q.get("h"), "w": q.get("w")}) + "\n")
            return self.send(201, None)
        sb = json.loads(body) if body else {}
        cfg = e["cfg"]
        fake = {"Config": {"Entrypoint": None, "Cmd": cfg["Cmd"], "Tty": cfg.get("Tty", False), "OpenStdin": cfg.get("AttachStdin", False)}, "HostConfig": {}, "State": {}, "log": [], "exit_ev": threading.Event(), "removed_ev": threading.Event(), "Id": eid}
        if sb.get("Detach"):
            p = Proc(fake)
            return self.send(200, None)
        self.hijack(fake["Config"]["Tty"])
        sock = self.request
        # subscribed before the process starts: its pump thread may read all of a short
        # command's output before this thread runs again (lost "o" and "e", right code)
        fake["pending"] = [sock]
        fake["exec"] = e
        proc = Proc(fake)
        if cfg.get("AttachStdin"):
            self.stdin_pump_thread(proc, sock, True)
        with proc.cond:
            while not proc.exited:
                proc.cond.wait()
        e["code"] = proc.code
        time.sleep(0.05)
        return "close"

class S(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def process_request(self, request, client_address):
        # known from its accept on, before its thread runs
        conn_state(request, "reading")
        super().process_request(request, client_address)

def stop(signum, frame):
    for pid in list(PIDS):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    try:
        os.unlink(SOCK)
    except OSError:
        pass
    os._exit(0)

signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)
if os.path.exists(SOCK):
    os.unlink(SOCK)
S(SOCK, H).serve_forever()
