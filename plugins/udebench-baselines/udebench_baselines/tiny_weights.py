"""Tiny, randomly initialised checkpoints in each model's real on-disk layout (``ModelSpec.test_weights``).

Users' files and these go through the same loading code; only the sizes differ.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

#: a ResNet-18 at 1/8 width with a narrow decoder; 64×160 input (the tests' synth frames are 48×160).
TINY_MONODEPTH2 = {"num_layers": 18, "base_width": 8, "decoder_channels": (4, 4, 8, 8, 16), "height": 64,
                   "width": 160}


def write_monodepth2(folder: Path, *, seed: int = 0) -> Path:
    """``folder/monodepth2_tiny``: encoder.pth + depth.pth as the official trainer writes them."""
    from udebench_baselines.monodepth2_net import build_network
    from udebench_baselines.monodepth2_weights import save_official_folder

    return save_official_folder(build_network(seed=seed, **TINY_MONODEPTH2), Path(folder) / "monodepth2_tiny")


def write_md4all(folder: Path, *, name: str = "md4allDDa_nuscenes.ckpt", seed: int = 0,
                 normalize_mode: str = "Daytime", input_size: tuple[int, int] = (64, 160),
                 edit: Callable[[dict], None] | None = None) -> Path:
    """``folder/name``: a PyTorch Lightning checkpoint as md4all's ``Md4All`` module saves it.

    ``state_dict`` has the depth network under ``depth_model.encoder.encoder.*`` /
    ``depth_model.decoder.decoder.*`` (with torchvision's unused ``fc``) and a pose network under
    ``pose_model.*``; ``hyper_parameters['cfg']`` is a yacs ``CfgNode``; callbacks and optimizer
    states carry the paths, numpy scalars and tensors Lightning writes. ``edit(checkpoint)`` may change the
    dict before it is saved (tests break it on purpose).
    """
    import pathlib

    import numpy as np
    import torch

    from udebench_baselines.monodepth2_net import build_network

    net = build_network(seed=seed, **{**TINY_MONODEPTH2, "height": input_size[0], "width": input_size[1],
                                      "max_depth": 80.0})
    state = {}
    for key, value in net.state_dict().items():
        state[f"depth_model.{'encoder' if key.startswith('encoder.') else 'decoder'}.{key}"] = value
    state["depth_model.encoder.encoder.fc.weight"] = torch.randn(1000, net.encoder.num_ch_enc[-1]) * 0.01
    state["depth_model.encoder.encoder.fc.bias"] = torch.zeros(1000)
    state["pose_model.pose_encoder.encoder.conv1.weight"] = torch.randn(8, 6, 7, 7)
    state["pose_model.pose_decoder.convs.pose_2.weight"] = torch.randn(12, 8, 1, 1)
    with _yacs_cfgnode() as cfg_node:
        cfg = _to_cfg(cfg_node, {
            "EXPERIMENT_NAME": "train-md4allDDa-nuscenes",
            "DATASET": {"AUGMENTATION": {
                "RESIZE": {"HEIGHT": input_size[0], "WIDTH": input_size[1]},
                "NORMALIZE": {"MODE": normalize_mode, "DATASET": {"MEAN": 0.45, "STD": 0.225},
                              "DAYTIME": {"DAY": {"MEAN": 0.4130, "STD": 0.2093},
                                          "NIGHT": {"MEAN": 0.1652, "STD": 0.1728}}}}},
            "MODEL": {"DEPTH": {"ENCODER": {"VERSION": "resnet-18", "PRETRAINED": True}, "MIN_DEPTH": 0.1,
                                "MAX_DEPTH": 80.0}},
        })
        checkpoint = {
            "epoch": 24, "global_step": 123, "pytorch-lightning_version": "2.0.2", "state_dict": state,
            "loops": {"fit_loop": {"state_dict": {}, "epoch_progress": {"total": {"ready": 25}}}},
            "callbacks": {"ModelCheckpoint{'monitor': None}": {
                "best_model_score": None, "dirpath": pathlib.PurePosixPath("/mnt/code/md4all/log/checkpoints"),
                "kth_value": np.float64(np.inf), "last_model_path": "/mnt/code/md4all/log/checkpoints/last.ckpt"}},
            "optimizer_states": [{"state": {0: {"step": torch.tensor(123.0), "exp_avg": torch.zeros(3)}},
                                  "param_groups": [{"lr": 2e-4, "betas": (0.9, 0.999), "params": [0]}]}],
            "lr_schedulers": [{"step_size": 5, "gamma": 0.1, "base_lrs": [2e-4], "last_epoch": 24}],
            "hparams_name": "kwargs", "hyper_parameters": {"cfg": cfg, "is_train": True},
        }
        if edit is not None:
            edit(checkpoint)
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        torch.save(checkpoint, folder / name)
    return folder / name


def _to_cfg(cfg_node: type, tree: dict) -> dict:
    node = cfg_node()
    for key, value in tree.items():
        node[key] = _to_cfg(cfg_node, value) if isinstance(value, dict) else value
    return node


class _FakeCfgNode(dict):
    """What yacs' ``CfgNode`` pickles as (a dict subclass with a few attributes), when yacs is not installed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.__dict__["__immutable__"] = False
        self.__dict__["__deprecated_keys__"] = set()
        self.__dict__["__renamed_keys__"] = {}
        self.__dict__["__new_allowed__"] = False


class _yacs_cfgnode:  # noqa: N801 - used as a context manager, named after what it yields
    """Yields yacs' CfgNode class, or a stand-in pickled under the name ``yacs.config.CfgNode``."""

    def __enter__(self) -> type:
        import importlib.util
        import sys
        import types

        self._added = []
        if importlib.util.find_spec("yacs") is not None:
            from yacs.config import CfgNode

            return CfgNode
        for name in ("yacs", "yacs.config"):
            if name not in sys.modules:
                sys.modules[name] = types.ModuleType(name)
                self._added.append(name)
        sys.modules["yacs.config"].CfgNode = _FakeCfgNode
        self._saved = (_FakeCfgNode.__module__, _FakeCfgNode.__qualname__)
        _FakeCfgNode.__module__, _FakeCfgNode.__qualname__ = "yacs.config", "CfgNode"
        return _FakeCfgNode

    def __exit__(self, *exc) -> None:
        import sys

        if hasattr(self, "_saved"):
            _FakeCfgNode.__module__, _FakeCfgNode.__qualname__ = self._saved
        for name in self._added:
            sys.modules.pop(name, None)
