#!/usr/bin/env python3
"""Run a command in a pty, feed scripted input, print output, exit status and
whether the terminal was left in its original (cooked) mode.
usage: ptyrun.py 'send1' 'send2' ... -- cmd args"""
import os, pty, sys, time, select, termios
i = sys.argv.index("--")
sends = [s.encode().decode("unicode_escape").encode("latin1") for s in sys.argv[1:i]]
cmd = sys.argv[i+1:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(cmd[0], cmd)
import fcntl, struct
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
before = termios.tcgetattr(fd)
out = b""
def pump(t):
    global out
    end = time.time() + t
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                d = os.read(fd, 4096)
            except OSError:
                return
            if not d:
                return
            out += d
import signal as _sig
for s in sends:
    pump(0.6)
    if s.startswith(b"!"):
        os.kill(pid, getattr(_sig, "SIG" + s[1:].decode()))
        continue
    os.write(fd, s)
# until the command has ended (its side of the pty closed), at most 10 s: the
# terminal's mode is judged as the command left it, not at a fixed moment a busy
# host may reach before the command restored it
pump(10)
after = termios.tcgetattr(fd)
try:
    _, st = os.waitpid(pid, os.WNOHANG)
    if _ == 0:
        time.sleep(0.5); pump(0.5)
        _, st = os.waitpid(pid, os.WNOHANG)
        if _ == 0:
            os.kill(pid, 9); _, st = os.waitpid(pid, 0)
            print("KILLED (still running)")
except ChildProcessError:
    st = 0
print(repr(out.decode(errors="replace")))
print("exit", os.waitstatus_to_exitcode(st))
print("term restored", before[3] == after[3] and before[0] == after[0])
