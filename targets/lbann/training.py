"""The training half of the experiment: optimizer, learning-rate schedule and callbacks, trainer,
run length and parallelism, from the `train` section."""
from __future__ import annotations

import math

from nncc import training
from nncc.diagnostics import Span
from nncc.train import Config

from . import lbann_pb2 as pb
from .base import Base
from .refusals import refuse, report


class Training(Base):
    # ---------------------------------------------------------------- optimizer

    def optimizer(self, out: pb.Optimizer, c: Config, lr_mult: float = 1.0) -> None:
        lr = float(c.get("lr", 0.0)) * lr_mult
        warm = self.train.warmup or (self.train.schedule if self.train.schedule is not None and
                                     self.train.schedule.name == "warmup" else None)
        if warm is not None:  # the warm-up starts at start_lr
            lr = float(warm.get("start_lr", 0.0)) * lr_mult
        if c.name in ("sgd", "nesterov"):
            if float(c.get("dampening", 0.0)):
                raise refuse("sgd-dampening", "sgd(dampening=…) has no LBANN equivalent (target `lbann`)", c.span,
                             "LBANN's SGD has momentum and nesterov only")
            out.sgd.learn_rate = lr
            out.sgd.momentum = float(c.get("momentum", 0.0))
            out.sgd.nesterov = c.name == "nesterov" or bool(c.get("nesterov", False))
        elif c.name in ("adam", "adamw"):
            out.adam.learn_rate = lr
            out.adam.beta1 = float(c["beta1"])
            out.adam.beta2 = float(c["beta2"])
            out.adam.eps = float(c["eps"])
            if c.name == "adamw":
                out.adam.adamw_weight_decay = float(c.get("weight_decay", 0.0))
        elif c.name == "adagrad":
            out.adagrad.learn_rate = lr
            out.adagrad.eps = float(c["eps"])
        elif c.name == "rmsprop":
            if float(c.get("momentum", 0.0)):
                raise refuse("rmsprop-momentum", "rmsprop(momentum=…) has no LBANN equivalent (target `lbann`)",
                             c.span)
            out.rmsprop.learn_rate = lr
            out.rmsprop.decay_rate = float(c["decay"])
            out.rmsprop.eps = float(c["eps"])
        else:
            raise refuse("optimizer", f"optimizer `{c.name}` has no LBANN equivalent (target `lbann`)", c.span,
                         "LBANN has sgd (momentum, nesterov), adam, adamw, adagrad and rmsprop")

    # ---------------------------------------------------------------- schedule and callbacks

    def steps_per_epoch(self) -> int | None:
        return training.steps_per_epoch(self.train)

    def to_epochs(self, steps: int, what: str, span: Span | None) -> int:
        spe = self.steps_per_epoch()
        if spe is None:
            raise refuse("steps-per-epoch",
                         f"{what} counts steps, but LBANN schedules this by epoch and the number of steps "
                         f"per epoch is unknown (target `lbann`)", span,
                         "give train.dataset_size, or count in epochs")
        ep = steps / spe
        whole = max(round(ep), 1 if steps else 0)
        if abs(ep - whole) > 1e-9:
            report(self.ctx.bag, "rounded-to-epoch",
                   f"{what}: step {steps} is epoch {ep:.3f}; LBANN schedules this by whole "
                   f"epochs, so it happens at epoch {whole} ({spe:g} steps per epoch)", span,
                   "use step counts that are whole epochs, or give the schedule in epochs")
        return whole

    def schedule(self) -> None:
        s = self.train.schedule
        if self.train.warmup is not None:
            return self.warmup_chain()
        if s is None or s.name == "fixed":
            return
        cbs = self.model.callback
        base_lr = float(self.train.optimizer.get("lr", 0.0)) if self.train.optimizer else 0.0
        groups = self.lr_groups()
        if len(groups) > 1 and s.name in ("step", "exponential", "multi_step", "poly"):
            raise refuse("lr-mult-schedule",
                         f"schedule {s.name}() with per-weight learning-rate multipliers (lr_mult): LBANN's "
                         f"{s.name} callback sets one global rate on every weight when it fires, so the "
                         "multipliers would be lost after the first change (target `lbann`)", s.span,
                         "drop the multipliers, or use fixed_step or cosine, which LBANN writes per weight")
        if s.name in ("step", "exponential"):
            every = int(s.get("every", 1))
            if s.get("unit") == "step":
                every = self.to_epochs(every, f"schedule {s.name}(every={every})", s.span)
            cbs.add().step_learning_rate.CopyFrom(pb.Callback.CallbackStepLearningRate(step=every,
                                                                                      amt=float(s["gamma"])))
        elif s.name == "multi_step":
            ms = list(s["milestones"])
            if s.get("unit") == "step":
                ms = [self.to_epochs(m, "schedule multi_step(milestones=…)", s.span) for m in ms]
            cbs.add().drop_fixed_learning_rate.CopyFrom(
                pb.Callback.CallbackDropFixedLearningRate(drop_epoch=ms, amt=float(s["gamma"])))
        elif s.name == "fixed_step":
            steps, values = list(s["steps"]), list(s["values"])
            if len(steps) != len(values):
                raise refuse("fixed-step-lengths",
                             "fixed_step(): `steps` and `values` differ in length (target `lbann`)", s.span)
            end = training.total_steps(self.train)
            for st, val in zip(steps, values):
                if end is not None and st >= end:
                    continue  # from the last step on it would change nothing
                ep = self.to_epochs(st, "schedule fixed_step(steps=…)", s.span) if self.train.steps and st else st
                if ep == 0 and math.isclose(val, base_lr):
                    continue
                for mult, names in groups:
                    cbs.add().set_learning_rate.CopyFrom(pb.Callback.CallbackSetLearningRate(
                        weights=" ".join(names), step=ep, val=val * mult))
        elif s.name == "cosine":
            total = s.get("steps") or (None if s.get("epochs") else self.train.steps)
            if total is None:
                spe = self.steps_per_epoch()
                epochs = s.get("epochs") or self.train.epochs
                if spe is None or epochs is None:
                    raise refuse("cosine-length", "cosine(): LBANN decays by steps and the number of steps is unknown "
                                 "(target `lbann`)", s.span, "give cosine(steps=…) or train.dataset_size")
                total = round(spe * epochs)
            for mult, names in groups:
                cbs.add().cosine_decay_learning_rate.CopyFrom(pb.Callback.CallbackCosineDecayLearningRate(
                    weights=" ".join(names), lr_max=base_lr * mult, lr_min=float(s.get("min_lr", 0.0)) * mult,
                    decay_steps=int(total)))
        elif s.name == "poly":
            c = pb.Callback.CallbackPolyLearningRate(power=float(s.get("power", 1.0)))
            if s.get("steps") or (not s.get("epochs") and self.train.steps):
                c.max_iter = int(s.get("steps") or self.train.steps or 0)
            else:
                c.num_epochs = int(s.get("epochs") or self.train.epochs or 0)
            cbs.add().poly_learning_rate.CopyFrom(c)
        elif s.name == "warmup":
            self.warmup_alone(s)
        else:
            raise refuse("schedule", f"schedule `{s.name}` has no LBANN equivalent (target `lbann`)", s.span,
                         "LBANN has step, multi_step, fixed_step, exponential (per epoch), cosine, poly "
                         "and warmup")

    def warmup_alone(self, w: Config) -> None:
        """A warm-up, then the optimizer's rate. LBANN ramps at every step, as nncc does, only in its cosine
        decay callback (warmup_steps, initial_warmup_learning_rate); with lr_max = lr_min it then holds the
        rate. Its linear_growth_learning_rate climbs once per epoch: the fallback when the steps are unknown."""
        spe = self.steps_per_epoch()
        steps = w.get("steps") if w.get("epochs") is None else None if spe is None else int(w["epochs"]) * spe
        if steps is None:
            return self.warmup_staircase(w, int(w["epochs"]), "the steps per epoch, which LBANN's per-step ramp "
                                         "counts, are unknown", "give train.dataset_size")
        base_lr = float(self.train.optimizer.get("lr", 0.0)) if self.train.optimizer else 0.0
        start = float(w.get("start_lr", 0.0))
        for mult, names in self.lr_groups():
            self.model.callback.add().cosine_decay_learning_rate.CopyFrom(
                pb.Callback.CallbackCosineDecayLearningRate(weights=" ".join(names), lr_max=base_lr * mult,
                                                            lr_min=base_lr * mult, decay_steps=1, warmup_steps=int(steps),
                                                            initial_warmup_learning_rate=start * mult))

    def warmup_staircase(self, w: Config, epochs: int, why: str, help: str) -> None:
        """LBANN's linear_growth_learning_rate (what its frontend writes for --warmup), and the warning that
        it climbs once per epoch: raised at each epoch's end, it holds start + k/E × (lr − start) through
        warm-up epoch k, where nncc's rate climbs at every step."""
        base_lr = float(self.train.optimizer.get("lr", 0.0)) if self.train.optimizer else 0.0
        start = float(w.get("start_lr", 0.0))
        for mult, names in self.lr_groups():
            self.model.callback.add().linear_growth_learning_rate.CopyFrom(
                pb.Callback.CallbackLinearGrowthLearningRate(weights=" ".join(names), target=base_lr * mult,
                                                             num_epochs=epochs))
        what = f"warmup({', '.join(f'{k}={w[k]}' for k in ('epochs', 'steps', 'start_lr') if w.get(k) is not None)})"
        report(self.ctx.bag, "warmup-staircase",
               f"{what}: LBANN's linear_growth_learning_rate raises the rate once per epoch, at the epoch's end, so "
               f"warm-up epoch k of {epochs} trains at {start:g} + k/{epochs} × ({base_lr:g} − {start:g}) throughout "
               f"(a staircase), where nncc raises it at every step; {why} (target `lbann`)", w.span, help)

    def warmup_chain(self) -> None:
        """`[warmup(...), s]`: linear warm-up from start_lr to the optimizer's lr, then `s` from the warm-up's end."""
        w, s, t = self.train.warmup, self.train.schedule, self.train
        assert w is not None and s is not None, "train.py sets a warm-up together with the schedule after it"
        cbs = self.model.callback
        base_lr = float(t.optimizer.get("lr", 0.0)) if t.optimizer else 0.0
        start = float(w.get("start_lr", 0.0))
        groups = self.lr_groups()
        unit = "epoch" if w.get("epochs") is not None else "step"
        wlen = int(w["epochs"] if unit == "epoch" else w["steps"])
        spe = self.steps_per_epoch()

        def need_spe(what: str, span: Span | None) -> float:
            if spe is None:
                raise refuse("steps-per-epoch",
                             f"{what}: LBANN needs the number of steps per epoch here and it is unknown "
                             "(target `lbann`)", span, "give train.dataset_size")
            return spe

        if s.name == "cosine":
            # LBANN's cosine decay warms up linearly itself (warmup_steps, initial_warmup_learning_rate) and
            # then decays over decay_steps counted from the warm-up's end; it sets the rate at every step.
            warm = wlen if unit == "step" else round(need_spe(f"warmup(epochs={wlen}) before cosine(): LBANN's "
                                                              "cosine warm-up counts steps", w.span) * wlen)
            if s.get("steps") is not None:
                decay = int(s["steps"])
            elif s.get("epochs") is not None:
                decay = round(need_spe(f"cosine(epochs={s['epochs']}): LBANN's cosine decay counts steps",
                                       s.span) * s["epochs"])
            else:
                if t.steps is not None:
                    total = t.steps
                elif t.epochs is not None:
                    total = round(need_spe("cosine() after a warm-up decays over the rest of training, which "
                                           "LBANN counts in steps", s.span) * t.epochs)
                else:
                    raise refuse("cosine-length",
                                 "cosine() after a warm-up decays over the rest of training, whose length is "
                                 "not given (target `lbann`)", s.span, "give train.steps or cosine(steps=…)")
                decay = total - warm
                if decay <= 0:
                    raise refuse("warmup-not-shorter",
                                 f"the warm-up ({warm} steps) is not shorter than training ({total} steps), "
                                 "so the cosine decay never starts (target `lbann`)", w.span,
                                 "shorten the warm-up, or give cosine(steps=…)")
            for mult, names in groups:
                cbs.add().cosine_decay_learning_rate.CopyFrom(pb.Callback.CallbackCosineDecayLearningRate(
                    weights=" ".join(names), lr_max=base_lr * mult, lr_min=float(s.get("min_lr", 0.0)) * mult,
                    decay_steps=decay, initial_warmup_learning_rate=start * mult, warmup_steps=warm))
            return
        if s.name == "fixed":
            return self.warmup_alone(w)
        if s.name == "poly":
            raise refuse("poly-after-warmup",
                         "poly() after a warm-up: LBANN's poly_learning_rate sets the rate at every step "
                         "from step 0 and from the optimizer's starting rate, so it would undo the warm-up "
                         "(target `lbann`)", s.span, "use cosine() after the warm-up, or poly() alone")
        if s.name not in ("fixed", "step", "multi_step", "exponential", "fixed_step"):
            raise refuse("schedule-after-warmup",
                         f"schedule `{s.name}` has no LBANN equivalent (target `lbann`)", s.span,
                         "after a warm-up LBANN has fixed, step, multi_step, fixed_step, exponential (per "
                         "epoch) and cosine")
        if len(groups) > 1 and s.name in ("step", "multi_step", "exponential"):
            raise refuse("lr-mult-warmup-drops",
                         f"{s.name}() after a warm-up with per-weight learning-rate multipliers: LBANN's "
                         "drop_fixed_learning_rate multiplies one rate shared by all weights, so the "
                         "multipliers would be lost at the first drop (target `lbann`)", s.span,
                         "use cosine() after the warm-up (written once per multiplier), or drop the "
                         "`*_lr=` multipliers")

        def epochs_of(pos: list[int], what: str, span: Span | None) -> list[int]:
            """Positions from the start of training, in the chain's unit, as the epochs LBANN changes the rate at."""
            if unit == "epoch":
                return pos
            n = need_spe(f"{what} counts steps", span)
            out = [max(round(p / n), 1) for p in pos]
            off = [(p, e) for p, e in zip(pos, out) if abs(p / n - e) > 1e-9]
            if off:
                (p, e), more = off[0], f" (and {len(off) - 1} more)" if len(off) > 1 else ""
                report(self.ctx.bag, "rounded-to-epoch",
                       f"{what}: step {p} is epoch {p / n:.3f}; LBANN changes the rate "
                       f"only between epochs, so this happens at epoch {e}{more} ({n:g} steps per epoch)",
                       span, "count the warm-up and the schedule in epochs")
            if len(set(out)) < len(out):
                raise refuse("two-changes-one-epoch",
                             f"{what}: two changes fall in one epoch, and LBANN changes the rate at most once "
                             f"per epoch ({n:g} steps per epoch) (target `lbann`)", span,
                             "count the warm-up and the schedule in epochs")
            return out

        warm = epochs_of([wlen], f"warmup(steps={wlen})", w.span)[0]
        self.warmup_staircase(w, warm, f"LBANN ramps at every step only in its cosine callback, which would undo "
                              f"the {s.name}() changes after the warm-up", "this is what LBANN's frontend writes for "
                              "--warmup; [warmup(…), cosine()] or the warm-up alone ramp at every step on LBANN")
        if s.name in ("step", "exponential"):
            every = int(s.get("every", 1))
            if unit == "epoch":
                end = t.epochs if t.epochs is not None else (
                    t.steps / need_spe(f"{s.name}() after a warm-up runs to the end of training, which", s.span)
                    if t.steps is not None else None)
            else:
                end = t.steps if t.steps is not None else (
                    need_spe(f"{s.name}() after a warm-up runs to the end of training, which", s.span) * t.epochs
                    if t.epochs is not None else None)
            if end is None:
                raise refuse("drops-until-end",
                             f"{s.name}() after a warm-up: LBANN needs its drops listed up to the end of "
                             "training, whose length is not given (target `lbann`)", s.span,
                             "give train.epochs or train.steps")
            pos = list(range(wlen + every, math.ceil(end), every))
            if pos:
                cbs.add().drop_fixed_learning_rate.CopyFrom(pb.Callback.CallbackDropFixedLearningRate(
                    drop_epoch=epochs_of(pos, f"schedule {s.name}(every={every})", s.span), amt=float(s["gamma"])))
        elif s.name == "multi_step":
            pos = [wlen + int(m) for m in s["milestones"]]
            cbs.add().drop_fixed_learning_rate.CopyFrom(pb.Callback.CallbackDropFixedLearningRate(
                drop_epoch=epochs_of(pos, "schedule multi_step(milestones=…)", s.span), amt=float(s["gamma"])))
        elif s.name == "fixed_step":
            steps, values = list(s["steps"]), list(s["values"])
            if len(steps) != len(values):
                raise refuse("fixed-step-lengths",
                             "fixed_step(): `steps` and `values` differ in length (target `lbann`)", s.span)
            eps = epochs_of([wlen + st for st in steps], "schedule fixed_step(steps=…)", s.span)
            for st, ep, val in zip(steps, eps, values):
                if st == 0 and math.isclose(val, base_lr):
                    continue  # the warm-up ends at lr
                for mult, names in groups:
                    cbs.add().set_learning_rate.CopyFrom(pb.Callback.CallbackSetLearningRate(
                        weights=" ".join(names), step=ep, val=val * mult))

    def lr_groups(self) -> list[tuple[float, list[str]]]:
        """Absolute-valued schedules are written once per learning-rate multiplier ("" = all weights)."""
        mults = {w.lr_mult for w in self.weight_list if w.trainable and w.lr_mult}
        if mults <= {1.0}:
            return [(1.0, [])]
        groups: dict[float, list[str]] = {}
        for w in self.weight_list:
            if w.trainable and w.lr_mult:
                groups.setdefault(w.lr_mult, []).append(self.wnames[id(w)])
        return sorted(groups.items())

    def ignored(self, what: str, span: Span | None) -> None:
        report(self.ctx.bag, "print-interval", f"{what}: LBANN's print callback reports once per epoch and "
                     "ignores an interval (target `lbann`)", span, "remove it, or use -t pytorch for "
                     "progress within an epoch")

    def callbacks(self) -> None:
        t = self.train
        cbs = self.model.callback
        items = list(t.callbacks) + ([t.checkpoint] if t.checkpoint is not None else [])
        display = t.get("display_every")
        have_print = any(c.name == "print" for c in items)
        for c in items:
            cb = pb.Callback()
            trainer_only = c.name == "checkpoint"  # LBANN's trainer reads these; its model factory refuses them
            if c.name == "print":
                cb.print.SetInParent()
                if int(c.get("every", 1)) != 1:
                    self.ignored("print(every=…)", c.span)
            elif c.name == "timer":
                cb.timer.SetInParent()
            elif c.name == "checkpoint":
                if int(c.get("after", 0)):
                    raise refuse("checkpoint-after",
                                 "checkpoint(after=…) has no LBANN equivalent (target `lbann`)", c.span)
                cb.checkpoint.checkpoint_dir = str(c.get("dir", "checkpoint"))
                if c.get("unit") == "step":
                    cb.checkpoint.checkpoint_steps = int(c.get("every", 1))
                else:
                    cb.checkpoint.checkpoint_epochs = int(c.get("every", 1))
            elif c.name == "save_model":
                cb.save_model.dir = str(c.get("dir", "model"))
            elif c.name == "early_stopping":
                m = c["metric"]
                losses = {"loss", "objective"} | {n.name for n in t.losses}
                if m not in losses:
                    raise refuse("early-stopping-metric",
                                 f"early_stopping(metric=\"{m}\"): LBANN's early stopping watches the "
                                 f"validation objective, not a metric (target `lbann`)", c.span,
                                 f"use metric=\"{t.losses[0].name if t.losses else 'loss'}\"")
                val = t.data.get("train")
                if "validate" not in t.data and not (val and val.fields.get("validation_fraction")):
                    raise refuse("early-stopping-no-validation",
                                 "early_stopping() watches the validation objective, and this job has no "
                                 "validation data, so it would never stop (target `lbann`)", c.span,
                                 "add data.validate, or hold some out: data.train.validation_fraction: 0.1")
                cb.early_stopping.patience = int(c.get("patience", 5))
            elif c.name == "gpu_memory":
                cb.gpu_memory_usage.SetInParent()
            elif c.name == "summary":
                self.model.summarizer.dir = str(c.get("dir", "summaries"))
                cb.summary.batch_interval = int(c.get("every", 1))
            elif c.name == "debug":
                cb.debug.SetInParent()
            elif c.name == "describe":
                cb.print_model_description.SetInParent()
            elif c.name == "reduce_on_plateau":
                if len(self.lr_groups()) > 1:
                    raise refuse("lr-mult-plateau",
                                 "reduce_on_plateau() with per-weight learning-rate multipliers (lr_mult): "
                                 "LBANN's adaptive_learning_rate sets one global rate on every weight, so the "
                                 "multipliers would be lost (target `lbann`)", c.span)
                # LBANN compares the epoch's mean training objective and waits `patience` epochs, as nncc says
                cb.adaptive_learning_rate.patience = int(c["patience"])
                cb.adaptive_learning_rate.amt = float(c["gamma"])
            else:
                raise refuse("callback", f"callback `{c.name}` has no LBANN equivalent (target `lbann`)", c.span)
            (self.exp.trainer.callback if trainer_only else cbs).add().CopyFrom(cb)
        if display:
            self.ignored("train.display_every", t.spans.get("display_every"))
            if not have_print:
                cbs.add().print.SetInParent()
        if t.get("clip_norm") is not None:  # the global norm of every trained weight's gradient, as clip_norm says
            cbs.add().clip_gradient_norm.CopyFrom(pb.Callback.CallbackClipGradientNorm(
                global_norm=True, value=float(t.get("clip_norm"))))
        if t.get("test_every"):
            metric = next(iter(t.metrics), "")
            cbs.add().evaluate_progress.CopyFrom(pb.Callback.CallbackEvaluateProgress(
                batch_interval=int(t.get("test_every")), metric=metric))

    # ---------------------------------------------------------------- trainer and run length

    def trainer(self) -> None:
        t = self.train
        tr = self.exp.trainer
        tr.mini_batch_size = t.batch_size
        if t.get("seed") is not None:
            tr.random_seed = int(t.get("seed"))
        if t.epochs is not None:
            self.model.num_epochs = t.epochs
        elif t.steps is not None:
            algo = pb.SGD()
            algo.stopping_criteria.max_batches = t.steps
            tr.training_algorithm.name = "sgd"
            tr.training_algorithm.parameters.Pack(algo)
        else:
            self.model.num_epochs = 1
        ve = t.get("validate_every")
        if ve is not None and ve != 1:
            raise refuse("validate-every",
                         f"train.validate_every: {ve}: LBANN validates after every epoch (target `lbann`)",
                         t.spans.get("validate_every"))
        # bptt on a model with gru or lstm: LBANN's gru layer back-propagates through all of its sequence
        # itself, and an lstm is unrolled into layers (lstm.py), through which back-propagation is bptt
        bptt = t.get("algorithm") == "bptt" and any(n.op in ("gru", "lstm") for n in self.g.nodes)
        if t.get("algorithm") not in (None, "bp") and not bptt:
            raise refuse("algorithm", f"train.algorithm: {t.get('algorithm')} has no LBANN equivalent; LBANN trains by "
                         "back-propagation (target `lbann`)", t.spans.get("algorithm"))
        self.distributed()

    def distributed(self) -> None:
        d = self.train.distributed
        # SINGA-style topology that describes one synchronous data-parallel trainer is what LBANN does anyway
        for key, ok in (("worker_groups", 1), ("server_groups", 1), ("servers_per_group", 1),
                        ("servers_per_proc", 1), ("workers_per_proc", 1)):
            if d.get(key) not in (None, ok):
                raise refuse("parameter-servers",
                             f"distributed.{key}: {d[key]} has no LBANN equivalent: LBANN trains one "
                             f"synchronous data-parallel trainer without parameter servers (target `lbann`)",
                             self.train.spans.get("distributed"))
        for key in ("separate_servers", "sync_freq"):
            if d.get(key):
                raise refuse("parameter-servers",
                             f"distributed.{key} has no LBANN equivalent: LBANN has no parameter servers "
                             f"(target `lbann`)", self.train.spans.get("distributed"))
