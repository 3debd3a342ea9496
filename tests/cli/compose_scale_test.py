#!/usr/bin/env python3
"""docker/compose.scale.yaml and docker/nginx.scale.conf, checked without an
engine: the YAML parses (anchors resolved), PostgreSQL and an S3 server are
there, every Hearth replica runs `serve` with --metadata postgresql://...,
--blobs s3://..., --s3-endpoint pointing at the S3 service and its keys, has
no data volume of its own, and the proxy's upstream lists exactly the
replicas (and is the only published port).

Usage: compose_scale_test.py  (exit 77 without python3-yaml)
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "http"))
from harness import Checks, skip  # noqa: E402

try:
    import yaml
except ImportError:
    skip("python3-yaml is not installed")

DOCKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docker")


def main():
    c = Checks()
    with open(os.path.join(DOCKER, "compose.scale.yaml")) as f:
        doc = yaml.safe_load(f)
    with open(os.path.join(DOCKER, "nginx.scale.conf")) as f:
        nginx = f.read()
    svc = doc.get("services", {})
    c.ok("postgres" in svc and svc["postgres"]["image"].startswith("postgres:"),
         "a PostgreSQL service")
    c.ok("minio" in svc and svc["minio"]["image"].startswith("minio/minio"), "an S3 service (MinIO)")
    replicas = sorted(n for n, s in svc.items() if s.get("image", "").startswith("hearth:"))
    c.ok(2 <= len(replicas) <= 3, "2 or 3 Hearth replicas", str(replicas))
    for n in replicas:
        s = svc[n]
        cmd = s.get("command", [])
        c.eq(cmd[:1], ["serve"], n + ": runs hearth serve")

        def arg(flag):
            return cmd[cmd.index(flag) + 1] if flag in cmd and cmd.index(flag) + 1 < len(cmd) else ""
        c.ok(arg("--metadata").startswith("postgresql://") and "@postgres:5432/" in arg("--metadata"),
             n + ": --metadata on the postgres service", arg("--metadata"))
        c.ok(re.match(r"^s3://[a-z0-9.-]+/[A-Za-z0-9/_-]+$", arg("--blobs")) is not None,
             n + ": --blobs s3://BUCKET/PREFIX", arg("--blobs"))
        c.eq(arg("--s3-endpoint"), "http://minio:9000", n + ": --s3-endpoint is the S3 service")
        env = s.get("environment", {})
        c.ok(env.get("HEARTH_S3_ACCESS_KEY_ID") and env.get("HEARTH_S3_SECRET_ACCESS_KEY"),
             n + ": S3 credentials")
        c.eq(env.get("HEARTH_LISTEN"), "0.0.0.0:8080", n + ": listens on 8080")
        c.ok(not s.get("volumes") and not s.get("ports"), n + ": no volume or port of its own")
        c.ok(s.get("depends_on", {}).get("postgres", {}).get("condition") == "service_healthy",
             n + ": waits for PostgreSQL")
    # the replicas' settings are the same (one anchor)
    c.ok(all(svc[n] == svc[replicas[0]] for n in replicas), "replicas share one definition")
    ups = re.search(r"upstream hearth \{(.*?)\}", nginx, re.S)
    servers = re.findall(r"^\s*server\s+([\w.-]+):(\d+)", ups.group(1), re.M) if ups else []
    c.eq(sorted(h for h, _ in servers), replicas, "nginx upstream lists every replica")
    c.eq({p for _, p in servers}, {"8080"}, "nginx upstream: the replicas' port")
    px = svc.get("proxy", {})
    c.ok("./nginx.scale.conf:/etc/nginx/conf.d/default.conf:ro" in px.get("volumes", []),
         "proxy mounts nginx.scale.conf")
    c.eq(sorted(px.get("depends_on", [])), replicas, "proxy depends on every replica")
    published = [n for n, s in svc.items() if s.get("ports")]
    c.eq(published, ["proxy"], "only the proxy is published")
    c.eq(sorted(doc.get("volumes", {})), ["pg-data", "s3-data"], "volumes: pg-data, s3-data")
    c.finish()


if __name__ == "__main__":
    main()
