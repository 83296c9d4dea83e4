"""Long work, defined once: the stages of setting up a cache dir, run as jobs.

- `stages`: the pipeline, in order (source, demo, ingest, features, split, models, evaluation);
  `data_stages` and `model_stages` the stages, `job` what they share (`Job`, `Stage`, progress);
- `request`: what a job is asked to do; `events`: what it reports;
- `runner`: runs a job's stages under the cache dir's writer lock (`lock`);
- `child`: the job process; `client`: starts one and reads its events (both front ends).
"""
