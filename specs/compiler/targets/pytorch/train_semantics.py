"""train.py's own rules, read from a build: argv[1] the build folder, argv[2] JSON
{recipe: {...overrides}, itersPerEpoch, errors: [batch error per step]}. Prints JSON: the learning
rate of each step (observing the errors as training would), the warm-up's end, and which of the
model's parameters get weight decay."""
import json
import sys

sys.path.insert(0, sys.argv[1])
sys.argv, job = ["train.py"], json.loads(sys.argv[2])
import train  # noqa: E402

train.RECIPE.update(job["recipe"])
schedule = train.Schedule(job["itersPerEpoch"])
lrs = []
for i, e in enumerate(job["errors"]):
    lrs.append(schedule.lr_at(i))
    schedule.observe(i, e)
net = train.build_model(None)
names = {id(p): n for n, p in net.named_parameters()}
groups = train.param_groups(net)
print(json.dumps({
    "lrs": lrs,
    "endedAt": schedule.state["endedAt"],
    "decayed": sorted(names[id(p)] for p in groups[0]["params"]),
    "decay": groups[0]["weight_decay"],
    "notDecayed": sorted(names[id(p)] for p in groups[1]["params"]),
}))
