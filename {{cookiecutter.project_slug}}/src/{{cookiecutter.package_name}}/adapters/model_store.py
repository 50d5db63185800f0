"""Save and load the model file safely: skops, with an allow-list of the types it may construct.

A model file is data that travels (DVC remote, MLflow artifact store, a pull request's
branch). Pickle runs whatever code the bytes name, so a tampered file is code execution.
skops stores the object graph instead and refuses to construct any type that is not
trusted. What this project trusts, and why:

* **classes** from ``sklearn``, from this project's own package and from the library of the
  configured ``model.estimator`` (e.g. ``lightgbm``): the project imports and runs that
  code anyway to train, so loading their objects adds no code the project did not choose;
  skops rebuilds such objects from their state. Only classes are trusted this way, never
  functions under those modules (a function in a model file could be called on load);
* ``numpy.dtype`` and ``collections.OrderedDict``: plain data containers that fitted
  estimators hold;
* anything listed in ``model.trusted_types`` (exact names, or module prefixes): a person's
  explicit, reviewed choice in ``params.yaml``.

The list comes from ``params.yaml`` (reviewed in git), never from the model file itself
(MLflow's skops flavour reads its list from the artifact it loads). A file holding any
other type is refused with one line naming the types; nothing is ever unpickled.

skops is imported without two scans it runs at import to build its default-trusted lists
(``skops_io``): of every scikit-learn estimator (which imports all of scikit-learn, its test
utilities, so pytest, and Dask when installed) and of every public name of ``scipy.special``
for ufuncs (0.6 s on 2 cores: the names load lazily, one submodule after another). Together
several times the daily check's own imports. Without them skops trusts no estimator and no
scipy ufunc by default, so those types go through the policy above: estimators are scikit-learn
classes and load as before; a scipy ufunc is a function, so a file holding one is refused unless
``model.trusted_types`` lists it. Nothing is trusted without this module's say.
"""

from __future__ import annotations

import importlib
import io
import json
import sys
import zipfile
from pathlib import Path
from types import ModuleType
from typing import Any

from ..config import Params, estimator_path

ALWAYS_TRUSTED = ("numpy.dtype", "collections.OrderedDict")


class UntrustedModelError(ValueError):
    """The model file holds types nobody trusted, or is not a skops file: not loaded."""


def _no_estimators(type_filter: Any = None) -> list[tuple[str, type]]:
    return []


class _NoScipyUfuncScan:
    """An import hook that, just before ``skops.io._trusted_types`` runs, makes skops' public-name
    scan answer nothing for ``scipy.special`` (it finds nothing itself: ``find_spec`` returns None).

    That scan looks every scipy ufunc up by searching all of ``sys.modules`` (ufuncs carry no
    ``__module__``): 0.6 s in the daily check's process, growing with what it has imported.
    """

    def __init__(self) -> None:
        self.patched: tuple[ModuleType, Any] | None = None

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        utils = sys.modules.get("skops.io._utils")
        scan = getattr(utils, "get_public_type_names", None)
        if name != "skops.io._trusted_types" or utils is None or scan is None or self.patched:
            return None
        import scipy.special

        def public_type_names(module: ModuleType, oftype: type) -> list[str]:
            return [] if module is scipy.special else list(scan(module=module, oftype=oftype))

        self.patched = (utils, scan)
        utils.get_public_type_names = public_type_names  # type: ignore[attr-defined]
        return None

    def restore(self) -> None:
        if self.patched:
            utils, scan = self.patched
            utils.get_public_type_names = scan  # type: ignore[attr-defined]


def skops_io() -> ModuleType:
    """``skops.io``, imported with scikit-learn's ``all_estimators`` answering no estimator and the
    ``scipy.special`` ufunc scan answering no name (``_NoScipyUfuncScan``).

    skops computes its default-trusted lists once, at import: ``sklearn.utils.all_estimators()``
    imports every scikit-learn module (and through them pytest and Dask), and the scipy ufunc list
    searches every loaded module for each ufunc. Empty default lists only narrow what skops trusts
    on its own; this module's policy (``refused_types``) then decides for every such type in the
    file. A skops laid out otherwise (another release) keeps its scan: slower, never less safe.
    """
    if "skops.io" in sys.modules:  # already imported (by MLflow, or a test): its own defaults apply
        return sys.modules["skops.io"]
    import sklearn.utils

    walk = sklearn.utils.all_estimators
    hook = _NoScipyUfuncScan()
    sklearn.utils.all_estimators = _no_estimators
    sys.meta_path.insert(0, hook)  # type: ignore[arg-type]
    try:
        import skops.io
    finally:
        sklearn.utils.all_estimators = walk
        sys.meta_path.remove(hook)  # type: ignore[arg-type]
        hook.restore()
    return skops.io


def _own_package() -> str:
    return __name__.split(".")[0]


def trusted_prefixes(params: Params) -> tuple[str, ...]:
    """Modules whose classes are trusted: scikit-learn, this package, the configured estimator's library."""
    module = estimator_path(params.project.task, params.model.estimator).partition(":")[0]
    return tuple(dict.fromkeys(("sklearn", _own_package(), module.split(".")[0])))


def _is_class(name: str) -> bool:
    module_name, _, attr = name.rpartition(".")
    try:
        obj: Any = importlib.import_module(module_name)
        obj = getattr(obj, attr)
    except (ImportError, AttributeError, ValueError):
        return False
    return isinstance(obj, type)


def _matches(name: str, entries: tuple[str, ...]) -> bool:
    return any(name == entry or name.startswith(entry + ".") for entry in entries)


def refused_types(found: list[str], params: Params) -> list[str]:
    """The types in ``found`` (skops' untrusted list for a file) that this project does not trust."""
    explicit = (*ALWAYS_TRUSTED, *params.model.trusted_types)
    prefixes = trusted_prefixes(params)
    return sorted(
        name for name in found if not _matches(name, explicit) and not (_matches(name, prefixes) and _is_class(name))
    )


ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip member can carry
MEMBER_MODE = 0o100644  # a regular file, rw-r--r--: what the member's permissions say, whoever saved it


def _canonical_ids(node: Any, ids: dict[int, int], files: dict[str, str], names: set[str]) -> None:
    """Number ``__id__`` values and stored files in order of first appearance (depth first, as saved)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "__id__" and isinstance(value, int) and not isinstance(value, bool):
                node[key] = ids.setdefault(value, len(ids) + 1)  # from 1: skops memoizes only truthy ids
            elif key == "file" and isinstance(value, str) and value in names:
                node[key] = files.setdefault(value, f"{len(files) + 1}{Path(value).suffix}")
            else:
                _canonical_ids(value, ids, files, names)
    elif isinstance(node, list):
        for value in node:
            _canonical_ids(value, ids, files, names)


def canonical(data: bytes) -> bytes:
    """The skops file ``data`` with everything that does not describe the model made fixed.

    skops names each stored array after the memory address of the object (``140094720948784.npy``,
    repeated as the node's ``__id__``), raw bytes after a random uuid, and stamps every zip member
    with the time it was written. So two saves of the same fitted model never had the same bytes,
    and DVC saw a new ``models/model.skops`` (a changed ``dvc.lock``) on every retrain. Here the ids
    become 1, 2, ... and the files 1.npy, 2.bin, ... in the order the schema first names them (one
    to one, so shared references stay shared), every member gets 1980-01-01 and mode 0644, data
    members come in that order and ``schema.json`` last, as skops writes it. skops.io.dumps has no
    option for this (0.16: only compression). A file whose schema names its members some other way
    keeps its names (only dates, modes and order are fixed): loading is never put at risk.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = {info.filename: info for info in archive.infolist()}
        contents = {name: archive.read(name) for name in infos}
    schema = json.loads(contents["schema.json"])
    data_members = set(infos) - {"schema.json"}
    files: dict[str, str] = {}
    _canonical_ids(schema, {}, files, data_members)
    if set(files) != data_members:  # a member the schema does not name as "file": names left as skops chose
        schema = json.loads(contents["schema.json"])
        files = {name: name for name in sorted(data_members)}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, new_name in [*files.items(), ("schema.json", "schema.json")]:
            info = zipfile.ZipInfo(new_name, date_time=ZIP_EPOCH)
            info.compress_type = infos[name].compress_type
            info.create_system = 3  # unix, so the mode below means the same whichever system saved it
            info.external_attr = MEMBER_MODE << 16
            body = json.dumps(schema, indent=2).encode() if name == "schema.json" else contents[name]
            archive.writestr(info, body)
    return out.getvalue()


def dumps(model: Any) -> bytes:
    """``model`` as skops bytes that depend only on its state (see ``canonical``)."""
    sio = skops_io()

    return canonical(bytes(sio.dumps(model)))


def model_types(model: Any) -> list[str]:
    """The types skops does not trust by default that saving ``model`` records (what a loader must allow)."""
    sio = skops_io()

    return list(sio.get_untrusted_types(data=dumps(model)))


def to_bytes(model: Any, params: Params) -> bytes:
    """``model`` as a skops file's bytes; refused (nothing written) when the loader would not accept it back."""
    data = dumps(model)
    sio = skops_io()

    refused = refused_types(list(sio.get_untrusted_types(data=data)), params)
    if refused:
        raise UntrustedModelError(
            f"the trained model holds type(s) {', '.join(refused)} that the loader would refuse: list them in "
            "params.yaml model.trusted_types if you trust them"
        )
    return data


def save(model: Any, path: Path, params: Params) -> None:
    """Write ``model`` as a skops file (atomically); refuse a model that could not be loaded back."""
    data = to_bytes(model, params)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def loads(data: bytes, params: Params, what: str) -> Any:
    """Load a skops model from ``data`` if every type it holds is trusted; ``what`` names it in errors."""
    sio = skops_io()

    try:
        found = list(sio.get_untrusted_types(data=data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise UntrustedModelError(
            f"{what} is not a skops model file ({exc}); it was not loaded (a model saved as a pickle by an older "
            "version of this project must be retrained: pickles are never loaded)"
        ) from None
    refused = refused_types(found, params)
    if refused:
        raise UntrustedModelError(
            f"{what} holds type(s) {', '.join(refused)} that are not trusted: not loaded. If you trust them, list "
            "them in params.yaml model.trusted_types"
        )
    return sio.loads(data, trusted=found)


def load(path: Path, params: Params, what: str | None = None) -> Any:
    return loads(path.read_bytes(), params, what or str(path))
