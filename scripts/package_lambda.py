"""Build the Lambda bundle from the two distributions (what `make package` runs).

1. Wheels of `originlink` (the core) and `originlink-service` (lambda_api/), built from source.
2. A staging Chalice project: `app.py` and `.chalice/` from lambda_api/, the two wheels installed
   into its `vendor/` (Chalice ships `vendor/` as is), and a `requirements.txt` of their
   third-party runtime dependencies, which Chalice downloads as Lambda-compatible wheels.
   Left out: Chalice (Chalice adds its own runtime), boto3/botocore (in the Lambda runtime) and
   the HTTP server of `originlink serve` (gunicorn, uvicorn and its worker, httptools, uvloop).
3. `chalice package` into OUT: `deployment.zip` and `sam.yaml` (merged with
   infra/resources.yaml unless --no-merge).
4. Bytecode added to deployment.zip (unchecked-hash .pyc beside every module): /var/task is
   read-only on Lambda, so without it every cold start compiles every module from source
   (importing the app takes about 2.5 times as long; bench/bench_coldstart.py measures both).

    python scripts/package_lambda.py --out build/lambda [--stage production|sandbox] [--no-merge]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAMBDA_API = ROOT / "lambda_api"
TEMPLATE = ROOT / "infra" / "resources.yaml"
NOT_BUNDLED = {
    "originlink",
    "originlink-service",
    "chalice",
    "boto3",
    "botocore",
    # `originlink serve` only
    "gunicorn",
    "uvicorn",
    "uvicorn-worker",
    "httptools",
    "uvloop",
}


def _run(cmd: list, **kwargs) -> None:
    result = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        sys.exit(
            f"package_lambda: {' '.join(map(str, cmd))} failed:\n{result.stdout}{result.stderr}"
        )


def build_wheels(dest: Path) -> list[Path]:
    dest.mkdir(parents=True, exist_ok=True)
    pip = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", dest]
    _run([*pip, ROOT, LAMBDA_API])
    wheels = sorted(dest.glob("originlink*.whl"))
    if len(wheels) != 2:
        sys.exit(f"package_lambda: expected two wheels in {dest}, found {wheels}")
    return wheels


def runtime_requirements(wheels: list[Path]) -> list[str]:
    """Requires-Dist of the wheels (no extras), minus what the Lambda gets otherwise."""
    lines = []
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as zf:
            name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
            metadata = Parser().parsestr(zf.read(name).decode("utf-8"))
        for requirement in metadata.get_all("Requires-Dist") or []:
            if ";" in requirement and "extra" in requirement.split(";", 1)[1]:
                continue
            project = requirement.split(";")[0]
            for sep in "<>=!~[ (":
                project = project.split(sep)[0]
            if project.strip().lower().replace("_", "-") not in NOT_BUNDLED:
                lines.append(requirement.strip())
    return sorted(set(lines))


def stage_project(stage_dir: Path, wheels: list[Path]) -> None:
    if stage_dir.exists():
        shutil.rmtree(stage_dir)
    stage_dir.mkdir(parents=True)
    shutil.copy2(LAMBDA_API / "app.py", stage_dir / "app.py")
    shutil.copytree(
        LAMBDA_API / ".chalice",
        stage_dir / ".chalice",
        ignore=shutil.ignore_patterns("deployments", "deployed"),
    )
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile"]
    _run([*pip, "--target", stage_dir / "vendor", *wheels])
    for dist_info in (stage_dir / "vendor").glob("*.dist-info"):
        shutil.rmtree(dist_info)  # metadata of the vendored wheels is not needed at run time
    shutil.rmtree(stage_dir / "vendor" / "bin", ignore_errors=True)  # console scripts
    (stage_dir / "requirements.txt").write_text(
        "\n".join(runtime_requirements(wheels)) + "\n", encoding="utf-8"
    )


def add_bytecode(bundle: Path, work: Path) -> None:
    """Rewrite the zip with a .pyc beside every module, valid whatever the files' times (a zip
    keeps them only to two seconds). Compiled by this interpreter: Chalice targets the Lambda
    runtime of the same Python version."""
    tree = work / "bytecode"
    shutil.rmtree(tree, ignore_errors=True)
    with zipfile.ZipFile(bundle) as zf:
        zf.extractall(tree)
    compileall = [sys.executable, "-m", "compileall", "-q", "-j", "0"]
    _run([*compileall, "--invalidation-mode", "unchecked-hash", tree])
    rewritten = bundle.with_suffix(".tmp")
    with zipfile.ZipFile(rewritten, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for path in sorted(p for p in tree.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo.from_file(path, path.relative_to(tree).as_posix())
            info.external_attr = (0o755 if os.access(path, os.X_OK) else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes())
    rewritten.replace(bundle)
    shutil.rmtree(tree)


def package(
    out: Path, *, stage: str = "production", merge: bool = True, work: Path | None = None
) -> Path:
    work = work or out.parent / (out.name + "-work")
    wheels = build_wheels(work / "wheels")
    project = work / "project"
    stage_project(project, wheels)
    if out.exists():
        shutil.rmtree(out)
    chalice = Path(sys.executable).with_name("chalice")
    cmd = [chalice, "package", "--stage", stage]
    if merge:
        cmd += ["--merge-template", TEMPLATE]
    # `chalice package` makes no AWS call but insists on a region; the template is region-free.
    env = {**os.environ}
    env.setdefault("AWS_DEFAULT_REGION", "ap-southeast-1")
    _run([*cmd, out], cwd=project, env=env)
    add_bytecode(out / "deployment.zip", work)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "lambda")
    parser.add_argument("--stage", default="production", choices=["sandbox", "production"])
    parser.add_argument("--no-merge", action="store_true", help="without infra/resources.yaml")
    args = parser.parse_args(argv)
    out = package(args.out.resolve(), stage=args.stage, merge=not args.no_merge)
    size = (out / "deployment.zip").stat().st_size
    print(f"Lambda bundle: {out / 'deployment.zip'} ({size / 1e6:.1f} MB)")
    print(f"Template:      {out / 'sam.yaml'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
