"""The job's settings from the `train` section: steps and frequencies, the algorithm, the updater and its
learning-rate schedule, the cluster."""
from __future__ import annotations

import math
from typing import Any

from nncc import codes, training
from nncc.diagnostics import Span

from . import job_pb2 as pb
from .base import ALGS, DEFAULT_EPS, Base


class JobSettings(Base):
    # ---------------------------------------------------------------- steps

    def to_steps(self, value: int, unit: str, span: Span | None, what: str) -> int:
        if unit == "step":
            return self.i32(value, span, what)
        if self.steps_per_epoch is None:
            self.err(f"{what} counts epochs, but SINGA counts steps and the steps per epoch are unknown", span, "give train.dataset_size (or data.train.samples), or use steps",
                     code=codes.MISSING_TARGET_SETTING)
            return 0  # not written: the job has an error
        return self.i32(value * self.steps_per_epoch, span, f"{what} in steps")

    def job_settings(self) -> None:
        c = self.cfg
        job = self.job
        job.name = self.opts.get("job_name") or self.ctx.model.name
        self.steps_per_epoch = training.steps_per_epoch(c)
        if c.get("seed") is not None:
            self.warn("train.seed: SINGA v0.3's JobProto has no seed, and each run draws its own initial "
                      "weights", self.tspan("seed"))
        if c.steps is not None:
            job.train_steps = self.i32(c.steps, self.tspan("steps"), "train.steps")
        elif c.epochs is not None:
            job.train_steps = self.to_steps(c.epochs, "epoch", self.tspan("epochs"), "train.epochs")
        elif c.get("mode") != "test":  # a test job runs test_steps batches only
            self.err("SINGA needs the length of training (train_steps)", self.tspan("batch_size"),
                     "give train.steps, or train.epochs with train.dataset_size", code=codes.MISSING_TARGET_SETTING)
        run_unit = "epoch" if c.epochs is not None else "step"
        if c.get("test_steps") is not None:
            job.test_steps = self.i32(c.get("test_steps"), self.tspan("test_steps"), "test_steps")
            if "test" not in c.data and c.get("feedback") is None:
                self.err("test_steps is given but there is no test data (train.data.test)", self.tspan("test_steps"),
                         code=codes.MISSING_TARGET_SETTING)
        if c.get("test_every") is not None:
            job.test_freq = self.i32(c.get("test_every"), self.tspan("test_every"), "test_every")
        if c.get("validate_steps") is not None:
            job.validate_steps = self.i32(c.get("validate_steps"), self.tspan("validate_steps"), "validate_steps")
            if "validate" not in c.data:
                self.err("validate_steps is given but there is no validation data (train.data.validate)",
                         self.tspan("validate_steps"), code=codes.MISSING_TARGET_SETTING)
        if c.get("validate_every") is not None:
            job.validate_freq = self.to_steps(c.get("validate_every"), run_unit, self.tspan("validate_every"),
                                              "validate_every")
        if c.get("display_every") is not None:
            job.disp_freq = self.i32(c.get("display_every"), self.tspan("display_every"), "display_every")
        cps = [cb for cb in c.callbacks if cb.name == "checkpoint"]
        if c.checkpoint is not None:
            cps.insert(0, c.checkpoint)
        if cps:
            cp = cps[0]
            job.checkpoint_freq = self.to_steps(cp["every"], cp["unit"], cp.span, "checkpoint every")
            if cp.get("after"):
                job.checkpoint_after = self.to_steps(cp["after"], cp["unit"], cp.span, "checkpoint after")
            if cp.get("dir") not in (None, "checkpoint"):
                self.warn("SINGA writes checkpoints to <workspace>/checkpoint; `dir` is ignored", cp.span)
        for cb in c.callbacks:
            if cb.name == "debug":
                job.debug = True
            elif cb.name in ("early_stopping", "save_model", "summary", "gpu_memory", "timer", "describe"):
                self.warn(f"SINGA v0.3 has no `{cb.name}` callback; it is left out of the job", cb.span)
            elif cb.name == "reduce_on_plateau":
                self.err("SINGA v0.3's updater changes the rate by step only; reduce_on_plateau() has no "
                         "equivalent", cb.span, "use a step or fixed_step schedule")
            elif cb.name == "print" and c.get("display_every") is None:
                job.disp_freq = self.i32(cb["every"], cb.span, "print(every)")
        paths = self.opts.get("checkpoint_path") or ""
        if isinstance(paths, (list, tuple)):
            plist = [str(p) for p in paths]
        else:
            plist = [p.strip() for p in str(paths).split(",") if p.strip()]
        job.checkpoint_path.extend(plist)
        if self.opts.get("debug"):
            job.debug = True

    def algorithm(self) -> None:
        ops = {n.op for n in self.g.nodes}
        alg = self.cfg.get("algorithm")
        if alg is None:
            alg = "cd" if "rbm" in ops else ("bptt" if "gru" in ops else "bp")
        if "gru" in ops and alg != "bptt":
            self.err(f"SINGA trains an unrolled gru() with back-propagation through time; train.algorithm is {alg}",
                     self.tspan("algorithm"), "set train.algorithm: bptt")
        if alg == "cd" and "rbm" not in ops:
            self.err("train.algorithm is cd (contrastive divergence), but the model has no rbm()",
                     self.tspan("algorithm"), "use algorithm: bp for feed-forward models")
        if alg != "cd" and "rbm" in ops:
            span = next(n.span for n in self.g.nodes if n.op == "rbm")
            self.err(f"rbm() is trained with contrastive divergence, but train.algorithm is {alg}", span,
                     "set train.algorithm: cd")
        if alg == "cd" and self.g.losses:
            self.err("an RBM trained with contrastive divergence takes no loss", self.g.losses[0].span,
                     "remove train.loss (SINGA's kRBMVis reports the reconstruction error)")
        self.job.train_one_batch.alg = ALGS[alg]
        if alg == "cd" and int(self.opts.get("cd_k", 1)) != 1:
            self.job.train_one_batch.cd_conf.cd_k = int(self.opts["cd_k"])

    # ---------------------------------------------------------------- updater

    def updater(self) -> None:
        c = self.cfg
        o = c.optimizer
        if o is None:
            return
        up = self.job.updater
        name = o.name
        clip = c.get("clip_grad")
        if clip is not None:  # SINGA clips each gradient element to [clip_low, clip_high] before the update
            up.clip_low, up.clip_high = clip
        if name == "sgd":
            up.type = pb.kNesterov if o.get("nesterov") else pb.kSGD
            if o.get("dampening"):
                self.err("SINGA's SGD has no dampening", o.span)
        elif name == "nesterov":
            up.type = pb.kNesterov
        elif name == "adagrad":
            up.type = pb.kAdaGrad
        elif name == "rmsprop":
            up.type = pb.kRMSProp
            up.rmsprop_conf.rho = o["decay"]
            if o.get("momentum"):
                self.err("SINGA's RMSProp takes no momentum", o.span)
        elif name == "adadelta":
            up.type = pb.kAdaDelta
            up.adadelta_conf.rho = o["rho"]
        elif name == "adam":
            up.type = pb.kAdam
            up.adam_conf.beta1 = o["beta1"]
            up.adam_conf.beta2 = o["beta2"]
        else:
            self.err(f"SINGA v0.3 has no `{name}` updater", o.span,
                     "use sgd, nesterov, adagrad, rmsprop, adadelta or adam (adam with weight_decay for adamw)")
            return
        if o.get("momentum") and name in ("sgd", "nesterov"):
            up.momentum = o["momentum"]
        if o.get("weight_decay"):
            up.weight_decay = o["weight_decay"]
        eps = o.get("eps")
        if eps is not None and not math.isclose(eps, DEFAULT_EPS, rel_tol=1e-6):
            up.delta = eps
        self.schedule(up.learning_rate, float(o["lr"]) if o.get("lr") is not None else 0.01)

    def schedule(self, lr: Any, base: float) -> None:
        s = self.cfg.schedule
        if self.cfg.warmup is not None:
            assert s is not None, "train.py sets a warm-up together with the schedule after it"
            self.err(f"SINGA v0.3 cannot chain a warm-up and `{s.name}`: an updater has one learning-rate "
                     "change method (updater.learning_rate.type) and no warm-up", self.tspan("schedule"),
                     f"for SINGA write `schedule: {s.name}(…)` without the warm-up, or compile for lbann")
            return
        if s is None or s.name == "fixed":
            lr.type = pb.kFixed
            lr.base_lr = base
            return
        a = s.args
        if s.name == "step":
            lr.type = pb.kStep
            lr.base_lr = base
            lr.step_conf.change_freq = self.to_steps(a["every"], a["unit"], s.span, "step(every=…)")
            lr.step_conf.gamma = a["gamma"]
        elif s.name == "multi_step":
            lr.type = pb.kFixedStep
            marks = [0] + [self.to_steps(m, a["unit"], s.span, "multi_step(milestones=…)") for m in a["milestones"]]
            lr.fixedstep_conf.step.extend(marks)
            lr.fixedstep_conf.step_lr.extend(base * a["gamma"] ** i for i in range(len(marks)))
        elif s.name == "fixed_step":
            if len(a["steps"]) != len(a["values"]):
                self.err(f"fixed_step(): {len(a['steps'])} steps but {len(a['values'])} values", s.span)
                return
            lr.type = pb.kFixedStep  # the rate comes from step_lr; base_lr is not used
            lr.fixedstep_conf.step.extend(self.i32(x, s.span, "fixed_step(steps=…)") for x in a["steps"])
            lr.fixedstep_conf.step_lr.extend(a["values"])
        elif s.name == "exponential":
            every = self.to_steps(a["every"], a["unit"], s.span, "exponential(every=…)")
            lr.base_lr = base
            # lr · gamma^⌊t / every⌋ (nncc.training): SINGA's kStep exactly. Its kExponential,
            # base_lr / 2^(t / every), is smooth between the drops, so it is not used.
            lr.type = pb.kStep
            lr.step_conf.change_freq = every
            lr.step_conf.gamma = a["gamma"]
        elif s.name == "inverse":
            lr.type = pb.kInverse
            lr.base_lr = base
            lr.inverse_conf.gamma = a["gamma"]
            lr.inverse_conf.pow = a["power"]
        elif s.name == "inverse_t":
            lr.type = pb.kInverseT
            lr.base_lr = base
            lr.inverset_conf.final_lr = a["final_lr"]
        elif s.name == "linear":
            lr.type = pb.kLinear
            lr.base_lr = base
            lr.linear_conf.final_lr = a["final_lr"]
            lr.linear_conf.change_freq = self.i32(a["every"], s.span, "linear(every=…)")
        else:
            self.err(f"SINGA v0.3 has no `{s.name}` learning-rate schedule", s.span,
                     "SINGA has fixed, step, multi_step/fixed_step, exponential, inverse, inverse_t and linear")

    # ---------------------------------------------------------------- cluster

    def cluster(self) -> None:
        d = self.cfg.distributed
        cl = self.job.cluster
        span = self.tspan("distributed")
        fields = (("worker_groups", "nworker_groups"), ("server_groups", "nserver_groups"),
                  ("workers_per_group", "nworkers_per_group"), ("servers_per_group", "nservers_per_group"),
                  ("workers_per_proc", "nworkers_per_procs"), ("servers_per_proc", "nservers_per_procs"),
                  ("sync_freq", "sync_freq"))
        for ours, theirs in fields:
            if d.get(ours) is not None:
                setattr(cl, theirs, self.i32(d[ours], span, f"distributed.{ours}"))
        if d.get("separate_servers") is not None:
            cl.server_worker_separate = d["separate_servers"]
        cl.workspace = d.get("workspace") or f"workspace/{self.job.name}"
        if d.get("partition_dim") is not None:
            self.net.partition_dim = self.i32(d["partition_dim"], span, "distributed.partition_dim")
        if d.get("procs_per_trainer") is not None:
            self.warn("SINGA groups workers with worker_groups/workers_per_group; procs_per_trainer is ignored", span)
        workers = (d.get("worker_groups") or 1) * (d.get("workers_per_group") or 1)
        gpus = d.get("gpus")
        device = self.opts.get("device", "auto")
        if device == "cpu" and gpus:
            self.warn("device is cpu: the GPU list in train.distributed.gpus is not used", span)
            gpus = None
        if self.cfg.get("mode") == "test" and (gpus or device == "gpu"):
            self.warn("SINGA v0.3 runs a test job (singa -test) on the CPU: Driver::Test gives its thread no GPU, "
                      "so the job's layers are the CPU ones and no GPU is listed", self.tspan("distributed.gpus")
                      or span)
            gpus, device = None, "cpu"
        if device == "gpu" and not gpus:
            gpus = list(range(workers))
        if gpus:
            if len(gpus) != workers:
                # Driver::Train hands the listed GPUs to the first workers and device -1 to the rest; a cuDNN
                # layer of a worker without one aborts (Context::cudnn_handle checks the device is >= 0).
                self.err(f"SINGA runs one worker per GPU: {len(gpus)} GPUs for {workers} workers",
                         self.tspan("distributed.gpus") or span,
                         "make len(gpus) equal worker_groups × workers_per_group: SINGA v0.3 gives the workers "
                         "after the listed GPUs device -1, and their first cuDNN layer aborts the job "
                         "(Context::cudnn_handle(-1) fails its CHECK_GE(device_id, 0))")
            self.job.gpu.extend(self.i32(x, span, "a GPU id") for x in gpus)
            self.gpu = True

    def partitions(self) -> None:
        """`distributed.partition: {name: dim}` → the `partition_dim` of the layer that computes `name`."""
        parts = self.cfg.distributed.get("partition") or {}
        span = self.tspan("distributed.partition")
        by_name = {n.name: n for n in self.g.nodes}
        layers = {ly.name: ly for ly in self.net.layer}
        for name, dim in parts.items():
            n = by_name.get(name)
            ly = layers.get(self.src.get(id(n.outputs[0]), "")) if n is not None else None
            if ly is None:
                self.err(f"distributed.partition names `{name}`, which is no layer of the job", span,
                         "name a line of `graph` that becomes a layer")
                continue
            ly.partition_dim = self.i32(dim, span, "a partition dim")
