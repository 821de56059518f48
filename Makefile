# 客情参谋: `make run` to talk to the assistant, `make test` to prove it works.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PY := .venv/bin/python

.PHONY: help setup db train run server test unit lint eval-nlu bench harvest retrain rollback clean cluster cluster-stop loadtest bench-turns

help:
	@echo "make run      set up, load the knowledge base, train if needed, chat in rasa shell"
	@echo "make test     every test: pytest, rasa data validate, story tests, NLU evaluation"
	@echo "make server   rasa run with REST/Slack/WeCom (enabled by env vars) + action server"
	@echo "make train    train into models/ (reuses a model built from identical inputs)"
	@echo "make lint     ruff (style, imports) and mypy (keqing/, typed defs)"
	@echo "make eval-nlu held-out NLU evaluation vs. two baselines -> docs/evaluation.md"
	@echo "make bench    /model/parse latency of this pipeline vs. the default pipeline"
	@echo "make harvest / retrain / rollback   the learning loop (see README)"
	@echo "make cluster  PostgreSQL, Redis, nginx, 2 Rasa + 2 action servers on loopback (base URL last)"
	@echo "make cluster-stop   stop what make cluster started"
	@echo "make loadtest Locust: 1 vs 2 replicas, a replica killed mid-run; last line is JSON"
	@echo "make bench-turns    turn latency at turn 10 vs turn 300 of one conversation"

setup:
	@bash scripts/setup.sh

db: setup
	@source scripts/env.sh && $(PY) -m keqing kb load

train: setup db
	@bash scripts/train.sh >/dev/null

run: setup db
	@bash scripts/run.sh

server: setup db
	@bash scripts/server.sh

test: setup
	@bash scripts/test.sh

lint: setup
	@.venv/bin/ruff check .
	@.venv/bin/mypy

unit: setup
	@source scripts/env.sh && .venv/bin/pytest -q -m "not server"

eval-nlu: setup
	@bash scripts/eval_nlu.sh

bench: setup
	@source scripts/env.sh && $(PY) scripts/bench_parse.py

harvest: setup
	@source scripts/env.sh && $(PY) -m keqing harvest

retrain: setup
	@source scripts/env.sh && $(PY) -m keqing retrain

rollback: setup
	@source scripts/env.sh && $(PY) -m keqing rollback

cluster: setup
	@bash scripts/cluster.sh start

cluster-stop: setup
	@bash scripts/cluster.sh stop

loadtest: setup
	@bash scripts/loadtest.sh

bench-turns: setup
	@bash scripts/bench_turns.sh

clean:
	rm -rf results .pytest_cache
