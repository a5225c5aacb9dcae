"""Differential oracle: CPython's own readers, never executing anything. Run with Debian's /usr/bin/python3.

One long-lived process per test suite. Protocol: one JSON request per stdin line, one JSON answer per stdout
line, in order. Every request has "op" and "data" (base64 bytes):
  unpickle {encoding?}  C `pickle.Unpickler` (what pickle.load, torch.load and numpy.load use) whose find_class
                        and persistent_load record what is asked and return inert stubs →
                        {ok, error?, value?, consumed?, asked: [[module, name]], globals: [[module, name]],
                         calls: [[module, name]], setstate: [[module, name]]}
                        (asked: every find_class call, refused ones included; globals: those it resolved;
                        value: what load returned, described as `int:42`, `str:'os'`, `stub`, `global`, a type name)
  zip                   zipfile.ZipFile: every member name it lists, and for each the bytes it reads (base64),
                        as numpy.load/torch-free readers see them → {ok, error?, members: [[name, b64|null]]}
  tar                   tarfile.open (any format): {ok, error?, members: [[name, type, b64|null]]}
  npy                   numpy.lib.format read_magic + header → {ok, error?, descr, hasobject, offset}
Stubs: a class per global (so REDUCE, NEWOBJ, INST, OBJ all instantiate it); instantiating records a call,
__setstate__ records state, calling an instance records a call; nothing real is imported or returned.
"""
import base64
import io
import json
import pickle
import resource
import sys
import tarfile
import zipfile

# Mutated memo indices make the unpickler size its memo to match (and clear it entry by entry): a soft cap on
# the address space makes such a stream fail fast with MemoryError, as it would on a loaded machine.
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, resource.getrlimit(resource.RLIMIT_AS)[1]))



def dotted_identifiers(text):
    """What __import__ and getattr can resolve: a dotted sequence of (Unicode) identifiers."""
    return all(part.isidentifier() for part in text.split('.'))


def stub_class(module, name, log, calls='calls'):
    key = [module, name]

    class Stub:
        oracle_stub = True

        def __new__(cls, *args, **kwargs):
            log[calls].append(key)
            return object.__new__(cls)

        def __init__(self, *args, **kwargs):
            pass

        def __call__(self, *args, **kwargs):
            log[calls].append(key)
            return self

        def __setstate__(self, state):
            log['setstate'].append(key)

        def __reduce__(self):
            raise TypeError('stub')

    return Stub


class RecordingUnpickler(pickle.Unpickler):
    def __init__(self, file, log, encoding):
        super().__init__(file, encoding=encoding)
        self.log = log

    def find_class(self, module, name):
        self.log['asked'].append([module, name])
        # what __import__ and getattr would refuse, the loader refuses: nothing is resolved
        if not dotted_identifiers(module) or not dotted_identifiers(name):
            raise ModuleNotFoundError(f'No module named {module!r}')
        self.log['globals'].append([module, name])
        return stub_class(module, name, self.log)

    def persistent_load(self, pid):
        self.log['persistent'] += 1
        return object.__new__(stub_class('<persistent>', repr(pid)[:40], self.log, 'persistent_calls'))


def describe(value):
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int):
        return 'int:' + str(value) if value.bit_length() <= 64 else 'int:big'
    if isinstance(value, float):
        return 'float:' + repr(value)
    if isinstance(value, (str, bytes)):
        return type(value).__name__ + ':' + repr(value)
    if isinstance(value, type) and getattr(value, 'oracle_stub', False):
        return 'global'
    if getattr(value, 'oracle_stub', False):
        return 'stub'
    return type(value).__name__


def unpickle(data, request):
    log = {'asked': [], 'globals': [], 'calls': [], 'setstate': [], 'persistent': 0, 'persistent_calls': []}
    stream = io.BytesIO(data)
    try:
        value = RecordingUnpickler(stream, log, request.get('encoding', 'ASCII')).load()
        out = {'ok': True, 'value': describe(value), 'consumed': stream.tell()}
    except BaseException as error:  # the unpickler may raise anything; the answer says which
        out = {'ok': False, 'error': f'{type(error).__name__}: {error}'[:300]}
    out.update(log)
    return out


def b64(data):
    return base64.b64encode(data).decode()


def read_zip(data, _request):
    members = []
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for name in z.namelist():
                try:
                    members.append([name, b64(z.read(name))])
                except Exception:
                    members.append([name, None])
        return {'ok': True, 'members': members}
    except Exception as error:
        return {'ok': False, 'error': f'{type(error).__name__}: {error}'[:300], 'members': members}


def read_tar(data, _request):
    members = []
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode='r:') as t:
            for info in t:
                body = None
                if info.isreg() or info.type not in tarfile.SUPPORTED_TYPES:
                    try:
                        f = t.extractfile(info)
                        body = b64(f.read()) if f else None
                    except Exception:
                        body = None
                members.append([info.name, info.type.decode('latin1'), body])
        return {'ok': True, 'members': members}
    except Exception as error:
        return {'ok': False, 'error': f'{type(error).__name__}: {error}'[:300], 'members': members}


def read_npy(data, _request):
    import numpy.lib.format as fmt
    f = io.BytesIO(data)
    try:
        version = fmt.read_magic(f)
        shape, fortran, dtype = fmt._read_array_header(f, version)
        return {'ok': True, 'descr': str(dtype), 'hasobject': bool(dtype.hasobject), 'offset': f.tell()}
    except Exception as error:
        return {'ok': False, 'error': f'{type(error).__name__}: {error}'[:300]}


OPS = {'unpickle': unpickle, 'zip': read_zip, 'tar': read_tar, 'npy': read_npy}


def main():
    sys.set_int_max_str_digits(4300)
    for line in sys.stdin:
        request = json.loads(line)
        answer = OPS[request['op']](base64.b64decode(request['data']), request)
        sys.stdout.write(json.dumps(answer) + '\n')
        sys.stdout.flush()


main()
