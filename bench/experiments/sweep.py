"""Runs the jobs of a plan (bench/experiments/plan.py) as concurrent processes until a deadline.

    python3 bench/experiments/sweep.py --data DIR --out OUT --workers 10 --seconds 220 [--scale 0.01 --device cpu]

Jobs start in the plan's order as workers free up (a job waits for the job it
needs, e.g. a distillation for its teacher); each writes its JSON line to
OUT/teachers.jsonl or OUT/dicnet.jsonl when it ends. At the deadline the
running jobs are stopped and listed in OUT/sweep.log. Then the checkpoints of
the best recipes on validation are packed into OUT/checkpoints-K.tar files.
"""

import argparse
import json
import os
import subprocess
import sys
import tarfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import plan  # noqa: E402


def parse():
    p = argparse.ArgumentParser()
    p.add_argument('--data', required=True, help='folder of dataset npz files (s96-*.npz, s192-*.npz)')
    p.add_argument('--out', required=True)
    p.add_argument('--work', default='/tmp/sweep', help='checkpoints and job logs')
    p.add_argument('--workers', type=int, default=10)
    p.add_argument('--seconds', type=float, required=True, help='deadline from the start of the sweep')
    p.add_argument('--device', default='cuda')
    p.add_argument('--scale', type=float, default=1.0, help='multiplies every job\'s images (a dry run: 0.01)')
    p.add_argument('--pack-mb', type=float, default=45.0, help='checkpoint bytes to bring back')
    p.add_argument('--only', default=None, help='comma-separated data prefixes available (default: every one the plan names)')
    p.add_argument('--select', default=None, help='comma-separated job names to run, in this order (default: the whole plan)')
    return p.parse_args()


def main():
    a = parse()
    os.makedirs(a.out, exist_ok=True)
    os.makedirs(os.path.join(a.work, 'ckpt'), exist_ok=True)
    os.makedirs(os.path.join(a.work, 'logs'), exist_ok=True)
    log = open(os.path.join(a.out, 'sweep.log'), 'a', buffering=1)
    say = lambda msg: log.write(f'{time.time() - start:7.1f}s {msg}\n')
    start = time.time()
    jobs = plan.jobs(a.data, a.scale)
    if a.select:
        by_name = {j['name']: j for j in jobs}
        jobs = [by_name[n] for n in a.select.split(',')]
    available = None if a.only is None else set(a.only.split(','))
    if available is not None:
        skipped = [j['name'] for j in jobs if j['data'] not in available]
        jobs = [j for j in jobs if j['data'] in available]
        if skipped:
            say(f'no data for {len(skipped)} jobs: {" ".join(skipped)}')
    say(f'{len(jobs)} jobs, {a.workers} workers, deadline {a.seconds}s, device {a.device}')
    pending, running, done, failed = list(jobs), {}, set(), set()
    names = {j['name'] for j in jobs}  # a job needing one outside the run uses that job's checkpoint as it is
    while pending or running:
        for job in list(pending):
            if len(running) >= a.workers:
                break
            if job.get('after') in failed:
                pending.remove(job)
                failed.add(job['name'])
                say(f'skip {job["name"]}: {job["after"]} failed')
                continue
            if job.get('after') in names and job['after'] not in done:
                continue
            pending.remove(job)
            running[job['name']] = (subprocess.Popen(command(job, a), stdout=subprocess.DEVNULL,
                                                     stderr=open(os.path.join(a.work, 'logs', job['name'] + '.log'), 'w')),
                                    time.time())
            say(f'start {job["name"]}')
        for name, (proc, t0) in list(running.items()):
            if proc.poll() is None:
                continue
            del running[name]
            if proc.returncode == 0:
                done.add(name)
                say(f'done {name} in {time.time() - t0:.1f}s')
            else:
                failed.add(name)
                tail = open(os.path.join(a.work, 'logs', name + '.log')).read()[-1500:]
                say(f'FAILED {name} rc {proc.returncode} after {time.time() - t0:.1f}s:\n{tail}')
        if time.time() - start > a.seconds:
            for name, (proc, t0) in running.items():
                proc.kill()
                say(f'stopped at the deadline: {name} (ran {time.time() - t0:.1f}s)')
            say(f'never started: {" ".join(j["name"] for j in pending)}')
            break
        time.sleep(0.2)
    pack(a, say)
    say('end')


def command(job, a):
    script = os.path.join(HERE, job['script'])
    out = os.path.join(a.out, 'teachers.jsonl' if job['script'] == 'teacher.py' else 'dicnet.jsonl')
    args = [sys.executable, script, *job['args'], '--device', a.device, '--out', out]
    checkpoint = lambda name: os.path.join(a.work, 'ckpt', name + '.safetensors')
    if job['script'] == 'teacher.py':
        args += ['--name', job['name'], '--save', checkpoint(job['name']), '--partial', os.path.join(a.out, 'partial.jsonl')]
    else:
        args += ['--teacher', checkpoint(job['after'])]
    return args


def pack(a, say):
    """The seed-1 checkpoint of each recipe, best validation mIoU first, in tars of at most 15 MB, up to --pack-mb."""
    path = os.path.join(a.out, 'teachers.jsonl')
    if not os.path.exists(path):
        return
    records = [json.loads(line) for line in open(path) if line.strip()]
    best = sorted((r for r in records if r['seed'] == 1), key=lambda r: -r['miou'])
    files = [os.path.join(a.work, 'ckpt', r['name'] + '.safetensors') for r in best]
    files = [f for f in files if os.path.exists(f)]
    total, tar_index, tar, tar_bytes = 0, 0, None, 0
    for f in files:
        size = os.path.getsize(f)
        if total + size > a.pack_mb * 1e6:
            break
        if tar is None or tar_bytes + size > 15e6:
            if tar is not None:
                tar.close()
            tar = tarfile.open(os.path.join(a.out, f'checkpoints-{tar_index}.tar'), 'w')
            tar_index, tar_bytes = tar_index + 1, 0
        tar.add(f, arcname=os.path.basename(f))
        tar_bytes += size
        total += size
    if tar is not None:
        tar.close()
    say(f'packed {total / 1e6:.1f} MB of checkpoints in {tar_index} tar(s)')


if __name__ == '__main__':
    main()
