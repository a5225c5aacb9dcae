"""Non-executing oracle: CPython's own C unpickler (`_pickle.Unpickler`, what pickle.load and torch.load use).

Reads JSON lines {"data": <base64 pickle>, "encoding"?: <str>} on stdin and writes one JSON line per input:
{"ok": true, "value": <description>, "globals": [[module, name], ...], "consumed": n}
or {"ok": false, "error": "<ExceptionType>: <message>", "globals": [...]}.
find_class and persistent_load record what is asked and return inert stubs: nothing real is ever
imported or returned, so nothing in the input can run. Like the real find_class, a module or name that
is not a dotted sequence of identifiers raises (no module by such a name can be imported). Run with Debian's /usr/bin/python3.
"""
import base64
import io
import json
import pickle
import resource
import sys

# Mutated memo indices make the unpickler size its memo to match (and clear it entry by entry): cap the
# address space so such a stream fails fast with MemoryError, as it would on a loaded machine.
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


class Stub:
    """What every global resolves to: callable, instantiable, accepts any state, does nothing."""

    def __init__(self, *args, **kwargs):
        pass

    def __setstate__(self, state):
        pass

    def __reduce__(self):
        raise TypeError("stub")


class RecordingUnpickler(pickle.Unpickler):
    def __init__(self, file, asked, encoding):
        super().__init__(file, encoding=encoding)
        self.asked = asked

    def find_class(self, module, name):
        self.asked.append([module, name])
        for part in [*module.split("."), *name.split(".")]:
            if not part.isidentifier():
                raise ModuleNotFoundError(f"No module named {module!r}")
        return Stub

    def persistent_load(self, pid):
        return Stub()


def describe(value):
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int):
        return "int:" + str(value) if value.bit_length() <= 64 else "int:big"
    if isinstance(value, float):
        return "float:" + repr(value)
    if isinstance(value, (str, bytes)):
        return type(value).__name__ + ":" + repr(value)
    if isinstance(value, Stub):
        return "stub"
    if value is Stub:
        return "global"
    return type(value).__name__


def main():
    sys.set_int_max_str_digits(4300)  # the default; kept explicit so results do not depend on env
    for line in sys.stdin:
        request = json.loads(line)
        data = base64.b64decode(request["data"])
        encoding = request.get("encoding", "ASCII")
        asked = []
        stream = io.BytesIO(data)
        try:
            value = RecordingUnpickler(stream, asked, encoding).load()
            out = {"ok": True, "value": describe(value), "consumed": stream.tell()}
        except BaseException as error:  # the unpickler may raise anything; report it
            out = {"ok": False, "error": f"{type(error).__name__}: {error}"}
        out["globals"] = asked
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


main()
