"""Lambda's execution model for the local run. A function runs in instances: each an OS process of its own, with
its own module state, environment and memory, handling one event at a time. A call takes an idle instance of its
function or starts a new one (a cold start) up to a bound per function, as Lambda scales out under concurrent
calls, and waits when all are busy; an instance idle for a while is stopped, as Lambda recycles them. A handler
that raises is a function error; one that runs past its timeout is stopped, as Lambda stops it.

So two managers deciding at once really run at once, in two processes, against the one moto server: a race in
a test here is the race it would be in AWS."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
import time
import traceback
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from local import template
from local.events import LambdaContext

DEFAULT_INSTANCES = 4  # per function; LOCAL_LAMBDA_INSTANCES overrides
DEFAULT_IDLE_SECONDS = 120.0  # LOCAL_LAMBDA_IDLE_SECONDS overrides
# The local back end is slower than DynamoDB, so a function may take this many times its template timeout here
# before it is stopped (LOCAL_TIMEOUT_SCALE overrides; 1 is AWS's own limit).
DEFAULT_TIMEOUT_SCALE = 3.0


class FunctionError(Exception):
    """The invocation failed: the handler raised, the instance died, or it ran out of time (Lambda's errors)."""


class FunctionTimeout(FunctionError):
    pass


def _serve(logical_id: str, timeout_s: float, connection: Connection, environment: dict[str, str]) -> None:
    """One instance: its function's environment and no other's, the handler imported once (the cold start), then
    events answered one at a time."""
    functions = template.functions()
    for other in functions.values():
        for key in template.function_environment(other):
            os.environ.pop(key, None)
    os.environ.update(environment)
    function = functions[logical_id]
    handler = template.handler_of(function)
    while True:
        try:
            event = connection.recv()
        except (EOFError, OSError):
            return
        try:
            result = handler(event, LambdaContext(function.name, timeout_s=int(timeout_s)))
        except BaseException as error:  # Lambda's "Unhandled" error: logged, reported, the instance lives on
            traceback.print_exc()
            connection.send((False, f"{type(error).__name__}: {error}"))
        else:
            connection.send((True, result))


@dataclass(eq=False)
class _Instance:
    function: template.Function
    process: Any
    connection: Connection
    last_used: float = field(default_factory=time.monotonic)

    def invoke(self, event: dict[str, Any], timeout_s: float) -> Any:
        try:
            self.connection.send(event)
            if not self.connection.poll(timeout_s):
                self.stop()
                raise FunctionTimeout(f"{self.function.logical_id} timed out after {timeout_s:.0f} s")
            ok, payload = self.connection.recv()
        except (EOFError, OSError, BrokenPipeError) as error:
            self.stop()
            raise FunctionError(f"{self.function.logical_id}: the instance died ({error!r})") from None
        finally:
            self.last_used = time.monotonic()
        if not ok:
            raise FunctionError(payload)
        return payload

    @property
    def alive(self) -> bool:
        return bool(self.process.is_alive())

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.connection.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)


class InProcess:
    """Runs handlers in this process, one at a time per function: for tests and benchmarks that need the handler
    beside them (moto in-process, meters on this process's DynamoDB calls). The local run uses `Instances`."""

    def __init__(self) -> None:
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def __call__(self, function: template.Function, event: dict[str, Any]) -> Any:
        with self._guard:
            lock = self._locks.setdefault(function.logical_id, threading.Lock())
        with lock:
            return template.handler_of(function)(event, LambdaContext(function.name))

    def close(self) -> None:
        return None


class Instances:
    """Runs a function's handler with an event in one of its instances, as Lambda does."""

    def __init__(self, instances: int | None = None, idle_seconds: float | None = None,
                 timeout_scale: float | None = None) -> None:
        self.instances = instances or int(os.environ.get("LOCAL_LAMBDA_INSTANCES", DEFAULT_INSTANCES))
        self.idle_seconds = idle_seconds or float(os.environ.get("LOCAL_LAMBDA_IDLE_SECONDS", DEFAULT_IDLE_SECONDS))
        self.timeout_scale = timeout_scale or float(os.environ.get("LOCAL_TIMEOUT_SCALE", DEFAULT_TIMEOUT_SCALE))
        self._context = multiprocessing.get_context("spawn")  # never fork a process that runs threads
        self._changed = threading.Condition()
        self._idle: dict[str, list[_Instance]] = {}
        self._busy: dict[str, int] = {}
        self._closed = False
        self._reaper = threading.Thread(target=self._reap, daemon=True)
        self._reaper.start()

    def __call__(self, function: template.Function, event: dict[str, Any]) -> Any:
        instance = self._acquire(function)
        try:
            return instance.invoke(event, self.timeout_of(function))
        finally:
            self._release(instance)

    def timeout_of(self, function: template.Function) -> float:
        return function.timeout * self.timeout_scale

    def warm(self, function: template.Function) -> None:
        """Start one instance now (what provisioned concurrency does), so the first call is not a cold start."""
        self._release(self._acquire(function))

    def close(self) -> None:
        with self._changed:
            self._closed = True
            idle = [i for instances in self._idle.values() for i in instances]
            self._idle.clear()
            self._changed.notify_all()
        for instance in idle:
            instance.stop()

    # ------------------------------------------------------------------ instances

    def _acquire(self, function: template.Function) -> _Instance:
        name = function.logical_id
        with self._changed:
            while True:
                if self._closed:
                    raise FunctionError("the local run is stopping")
                idle = self._idle.setdefault(name, [])
                while idle:
                    instance = idle.pop()  # the most recently used: warm, as Lambda prefers
                    if instance.alive:
                        self._busy[name] = self._busy.get(name, 0) + 1
                        return instance
                    instance.stop()
                if self._busy.get(name, 0) < self.instances:
                    self._busy[name] = self._busy.get(name, 0) + 1
                    break
                self._changed.wait()
        try:
            return self._start(function)
        except BaseException:
            with self._changed:
                self._busy[name] -= 1
                self._changed.notify_all()
            raise

    def _start(self, function: template.Function) -> _Instance:
        ours, theirs = self._context.Pipe()
        environment = template.function_environment(function)
        process = self._context.Process(target=_serve, name=f"lambda-{function.name}", daemon=True,
                                        args=(function.logical_id, self.timeout_of(function), theirs, environment))
        process.start()
        theirs.close()
        return _Instance(function, process, ours)

    def _release(self, instance: _Instance) -> None:
        name = instance.function.logical_id
        with self._changed:
            self._busy[name] -= 1
            if instance.alive and not self._closed:
                self._idle.setdefault(name, []).append(instance)
            else:
                instance.stop()
            self._changed.notify_all()

    def _reap(self) -> None:
        while True:
            time.sleep(min(self.idle_seconds, 5.0))
            now = time.monotonic()
            stale = []
            with self._changed:
                if self._closed:
                    return
                for name, idle in self._idle.items():
                    keep = [i for i in idle if now - i.last_used < self.idle_seconds]
                    stale += [i for i in idle if i not in keep]
                    self._idle[name] = keep
            for instance in stale:
                instance.stop()
