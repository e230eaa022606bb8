#!/usr/bin/env python3
"""Produces InferenceEvents to Kafka from Python, in the encoding the Hormesis jobs read.

Each record value is Avro single-object encoding, as Java's ``AvroCodec`` writes it: the bytes
C3 01, the 8-byte little-endian CRC-64-AVRO fingerprint of the writer schema's parsing canonical
form, then the Avro binary body (fastavro ``schemaless_writer``). The writer schema is read from the
repository's ``schemas/src/main/avro`` (InferenceEvent.avsc and the named types in common/), so it
is the schema the jobs know. Records are keyed by deployment and partitioned with librdkafka's
``murmur2_random``, the partitioner of Java's Kafka clients, so a deployment's records land on the
partition a Java producer would choose.

The traffic is a steady LLM request stream like the Java fleet simulator's: latency = time to first
token + output tokens x per-token time (log-normal noise), optionally slowed down by a factor from
one request on (for one deployment). The same --seed gives the same events, byte for byte.

Examples:
  python3 notebooks/producer.py --bootstrap-servers 127.0.0.1:9092 --count 2000
  python3 notebooks/producer.py --bootstrap-servers HOST:9092 --deployment chat-llm \\
      --deployment code-llm --count 6000 --slowdown-at 4000 --slowdown-factor 3.5
  python3 notebooks/producer.py --dry-run --count 3 --dump -     # JSON + hex, no Kafka
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import math
import random
import struct
import sys
from pathlib import Path

import fastavro
from fastavro.schema import expand_schema, fingerprint, to_parsing_canonical_form

MAGIC = b"\xc3\x01"
SCHEMA_NAME = "io.hormesis.schema.InferenceEvent"
DEFAULT_SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas" / "src" / "main" / "avro"


class InferenceEventWriter:
    """Encodes InferenceEvent dicts in Avro single-object encoding."""

    def __init__(self, schema_dir: Path = DEFAULT_SCHEMA_DIR):
        schema_file = schema_dir / "InferenceEvent.avsc"
        if not schema_file.is_file():
            raise FileNotFoundError(
                f"no {schema_file}: --schema-dir must be the repository's schemas/src/main/avro"
            )
        named: dict = {}
        for common in sorted((schema_dir / "common").glob("*.avsc")):
            fastavro.parse_schema(json.loads(common.read_text()), named_schemas=named)
        self.schema = fastavro.parse_schema(
            json.loads(schema_file.read_text()), named_schemas=named
        )
        # The parsing canonical form defines a named type where it is first used; fastavro's
        # to_parsing_canonical_form does so only for inline definitions, so expand the names
        # first (InferenceEvent uses each named type once).
        self.canonical_form = to_parsing_canonical_form(expand_schema(self.schema))
        # fastavro gives the CRC-64-AVRO fingerprint as the hex of its little-endian bytes,
        # which is the byte order of the single-object header.
        self.fingerprint = bytes.fromhex(fingerprint(self.canonical_form, "CRC-64-AVRO"))
        self.header = MAGIC + self.fingerprint

    def fingerprint_long(self) -> int:
        """The fingerprint as Java's SchemaNormalization.parsingFingerprint64 returns it."""
        return struct.unpack("<q", self.fingerprint)[0]

    def encode(self, event: dict) -> bytes:
        body = io.BytesIO()
        fastavro.schemaless_writer(body, self.schema, event)
        return self.header + body.getvalue()


def parse_instant(text: str) -> int:
    """Epoch milliseconds of an ISO-8601 instant (``2026-01-15T14:00:00Z``)."""
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"not an ISO-8601 instant: {text!r}") from e
    if parsed.tzinfo is None:
        raise argparse.ArgumentTypeError(f"instant {text!r} needs a zone, e.g. Z")
    return round(parsed.timestamp() * 1000)


def events(args) -> list[tuple[str, dict]]:
    """(key, event) pairs in event-time order, round-robin over the deployments."""
    rng = random.Random(args.seed)
    start_ms = args.start
    if start_ms is None:
        # End now: the jobs reject event times in the future.
        now_ms = round(dt.datetime.now(dt.timezone.utc).timestamp() * 1000)
        start_ms = now_ms - args.count * args.interval_ms
    out = []
    for i in range(args.count):
        deployment = args.deployment[i % len(args.deployment)]
        slow = (
            args.slowdown_at is not None
            and i >= args.slowdown_at
            and deployment == args.slowdown_deployment
        )
        tokens_in = 200 + rng.randrange(600)
        tokens_out = 50 + rng.randrange(101)
        ttft = args.ttft_ms * math.exp(0.1 * rng.gauss(0, 1))
        per_token = (
            args.per_token_ms
            * (args.slowdown_factor if slow else 1.0)
            * math.exp(0.08 * rng.gauss(0, 1))
        )
        error = rng.random() < args.error_rate
        event = {
            "requestId": f"py-{deployment}-{i:06d}",
            "deployment": deployment,
            "modelName": args.model_name,
            "modelVersion": args.model_version,
            "replica": f"replica-{(i // len(args.deployment)) % args.replicas}",
            "eventTime": start_ms + i * args.interval_ms,
            "latencyMs": round(ttft + tokens_out * per_token, 1),
            "ttftMs": round(ttft, 1),
            "tokensIn": tokens_in,
            "tokensOut": tokens_out,
            "status": "ERROR" if error else "OK",
            "predictionScore": round(rng.random(), 6) if args.prediction_scores else None,
            "features": {"tokens_in": float(tokens_in)},
        }
        out.append((deployment, event))
    return out


def produce(args, writer: InferenceEventWriter, pairs) -> int:
    from confluent_kafka import KafkaException, Producer

    failures = []

    def delivered(err, msg):
        if err is not None:
            failures.append(f"{msg.key()!r}: {err}")

    producer = Producer(
        {
            "bootstrap.servers": args.bootstrap_servers,
            "enable.idempotence": True,
            "acks": "all",
            "linger.ms": 5,
            "partitioner": "murmur2_random",
            "client.id": "hormesis-python-producer",
        }
    )
    for key, event in pairs:
        value = writer.encode(event)
        while True:
            try:
                producer.produce(
                    args.topic, key=key.encode(), value=value, on_delivery=delivered
                )
                break
            except BufferError:
                producer.poll(0.1)  # the local queue is full: wait for deliveries
            except KafkaException as e:
                raise SystemExit(f"producer: cannot produce to {args.topic}: {e}") from e
        producer.poll(0)
    left = producer.flush(args.flush_timeout)
    if left:
        raise SystemExit(
            f"producer: {left} record(s) not delivered within {args.flush_timeout} s"
            f" to {args.bootstrap_servers}"
        )
    if failures:
        raise SystemExit(
            f"producer: {len(failures)} record(s) failed, first: {failures[0]}"
        )
    return len(pairs)


def positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {value}")
    return value


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="producer.py",
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("Examples:")[1].join(["Examples:", ""]),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--bootstrap-servers", help="Kafka bootstrap servers, HOST:PORT[,...]")
    p.add_argument("--topic", default="inference-events", help="default: %(default)s")
    p.add_argument("--count", type=positive_int, default=1000, help="events (default: %(default)s)")
    p.add_argument(
        "--deployment",
        action="append",
        help="deployment (the record key); repeat for several, round-robin (default: chat-llm)",
    )
    p.add_argument("--model-name", default="llama-chat", help="default: %(default)s")
    p.add_argument("--model-version", default="v7", help="default: %(default)s")
    p.add_argument("--replicas", type=positive_int, default=2, help="default: %(default)s")
    p.add_argument(
        "--start",
        type=parse_instant,
        help="event time of the first event, ISO-8601 (default: so the last event is now)",
    )
    p.add_argument(
        "--interval-ms",
        type=positive_int,
        default=50,
        help="event-time step between consecutive events (default: %(default)s)",
    )
    p.add_argument("--ttft-ms", type=float, default=80.0, help="default: %(default)s")
    p.add_argument("--per-token-ms", type=float, default=6.0, help="default: %(default)s")
    p.add_argument(
        "--slowdown-at",
        type=int,
        help="index of the first event whose per-token time is multiplied by --slowdown-factor",
    )
    p.add_argument("--slowdown-factor", type=float, default=3.5, help="default: %(default)s")
    p.add_argument(
        "--slowdown-deployment",
        help="the deployment that slows down (default: the first --deployment)",
    )
    p.add_argument("--error-rate", type=float, default=0.01, help="default: %(default)s")
    p.add_argument(
        "--prediction-scores",
        action="store_true",
        help="set predictionScore (uniform in [0, 1)) instead of null",
    )
    p.add_argument("--seed", type=int, default=20261201, help="default: %(default)s")
    p.add_argument(
        "--schema-dir",
        type=Path,
        default=DEFAULT_SCHEMA_DIR,
        help="the repository's schemas/src/main/avro (default: %(default)s)",
    )
    p.add_argument(
        "--dump",
        metavar="FILE",
        help="also write each event as a JSON line {key, event, hex} to FILE ('-' for stdout)",
    )
    p.add_argument("--dry-run", action="store_true", help="encode only; do not connect to Kafka")
    p.add_argument(
        "--print-fingerprint",
        action="store_true",
        help="print the writer schema's canonical form and fingerprint, then exit",
    )
    p.add_argument(
        "--flush-timeout", type=float, default=60.0, help="seconds (default: %(default)s)"
    )
    return p


def main(argv=None) -> int:
    p = parser()
    args = p.parse_args(argv)
    args.deployment = args.deployment or ["chat-llm"]
    args.slowdown_deployment = args.slowdown_deployment or args.deployment[0]
    if args.slowdown_deployment not in args.deployment:
        p.error(f"--slowdown-deployment {args.slowdown_deployment} is not a --deployment")
    if any(not d.strip() for d in args.deployment):
        p.error("--deployment must not be blank")
    if not 0 <= args.error_rate <= 1:
        p.error("--error-rate must be in [0, 1]")
    if not args.slowdown_factor >= 1:
        p.error("--slowdown-factor must be >= 1")
    try:
        writer = InferenceEventWriter(args.schema_dir)
    except (OSError, ValueError) as e:
        p.error(str(e))
    if args.print_fingerprint:
        print(writer.canonical_form)
        print(f"CRC-64-AVRO {writer.fingerprint_long():016x} (header bytes {writer.header.hex()})")
        return 0
    if not args.dry_run and not args.bootstrap_servers:
        p.error("--bootstrap-servers is required (or --dry-run)")
    pairs = events(args)
    if args.dump:
        out = sys.stdout if args.dump == "-" else open(args.dump, "w", encoding="utf-8")
        try:
            for key, event in pairs:
                line = {"key": key, "event": event, "hex": writer.encode(event).hex()}
                out.write(json.dumps(line, sort_keys=True) + "\n")
        finally:
            if out is not sys.stdout:
                out.close()
    if args.dry_run:
        print(f"encoded {len(pairs)} InferenceEvents (dry run, nothing sent)", file=sys.stderr)
        return 0
    n = produce(args, writer, pairs)
    print(
        f"produced {n} InferenceEvents to {args.topic} on {args.bootstrap_servers}"
        f" (deployments {', '.join(args.deployment)}, fingerprint {writer.fingerprint_long():016x})",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
