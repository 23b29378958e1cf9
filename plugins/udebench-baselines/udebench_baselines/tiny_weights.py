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


#: a 4-layer, 32-wide DINOv2 (patch 14) shared by the tiny Depth Anything checkpoints.
_TINY_DINOV2 = dict(image_size=56, patch_size=14, hidden_size=32, num_hidden_layers=4, num_attention_heads=2,
                    intermediate_size=64, out_indices=[1, 2, 3, 4], reshape_hidden_states=False)


def _processor_config(processor: str, size: tuple[int, int], *, keep_aspect_ratio: bool, multiple: int,
                      resample: int, mean: list[float], std: list[float], do_pad: bool = False) -> dict:
    """A ``preprocessor_config.json`` with the keys transformers' image processors write."""
    return {"do_normalize": True, "do_pad": do_pad, "do_rescale": True, "do_resize": True,
            "ensure_multiple_of": multiple, "image_mean": mean, "image_processor_type": processor,
            "image_std": std, "keep_aspect_ratio": keep_aspect_ratio, "resample": resample,
            "rescale_factor": 1 / 255, "size": {"height": size[0], "width": size[1]}}


def _save_pretrained(module, folder: Path, processor: dict | None) -> Path:
    import json

    from udebench_baselines.hf_folders import quiet_transformers

    folder = Path(folder)
    with quiet_transformers():
        module.save_pretrained(str(folder))
    if processor is not None:
        (folder / "preprocessor_config.json").write_text(json.dumps(processor, indent=2) + "\n")
    return folder


def write_depth_anything(folder: Path, *, metric: bool = False, max_depth: int = 80, seed: int = 0) -> Path:
    """A Depth Anything ``save_pretrained`` folder (``config.json``, ``model.safetensors``, processor config).

    ``metric``: a metric checkpoint (``depth_estimation_type="metric"``, ``max_depth`` an int as in
    transformers' configs), else a relative one.
    """
    import torch
    from transformers import DepthAnythingConfig, DepthAnythingForDepthEstimation, Dinov2Config

    torch.manual_seed(seed)
    config = DepthAnythingConfig(
        backbone_config=Dinov2Config(**_TINY_DINOV2), patch_size=14, reassemble_hidden_size=32,
        neck_hidden_sizes=[8, 16, 32, 32], fusion_hidden_size=16, head_hidden_size=8,
        depth_estimation_type="metric" if metric else "relative", max_depth=int(max_depth) if metric else 1)
    processor = _processor_config("DPTImageProcessor", (56, 56), keep_aspect_ratio=True, multiple=14, resample=3,
                                  mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])
    return _save_pretrained(DepthAnythingForDepthEstimation(config), folder, processor)


def write_dpt(folder: Path, *, seed: int = 0) -> Path:
    """A DPT (ViT, MiDaS v3 layout) ``save_pretrained`` folder with its 64×64 processor config."""
    import torch
    from transformers import DPTConfig, DPTForDepthEstimation

    torch.manual_seed(seed)
    config = DPTConfig(hidden_size=32, num_hidden_layers=4, num_attention_heads=2, intermediate_size=64, image_size=64,
                       patch_size=16, backbone_out_indices=[0, 1, 2, 3], neck_hidden_sizes=[8, 16, 32, 32],
                       fusion_hidden_size=16, head_in_index=-1)
    processor = _processor_config("DPTImageProcessor", (64, 64), keep_aspect_ratio=False, multiple=1, resample=3,
                                  mean=[0.5] * 3, std=[0.5] * 3)
    return _save_pretrained(DPTForDepthEstimation(config), folder, processor)


def write_zoedepth(folder: Path, *, seed: int = 0) -> Path:
    """A ZoeDepth (BEiT backbone, one KITTI bin configuration) folder with its padding processor config."""
    import torch
    from transformers import BeitConfig, ZoeDepthConfig, ZoeDepthForDepthEstimation

    torch.manual_seed(seed)
    backbone = BeitConfig(image_size=64, patch_size=16, hidden_size=32, num_hidden_layers=4, num_attention_heads=2,
                          intermediate_size=64, out_indices=[1, 2, 3, 4], reshape_hidden_states=False,
                          use_relative_position_bias=True, use_absolute_position_embeddings=False)
    config = ZoeDepthConfig(backbone_config=backbone, backbone_hidden_size=32, neck_hidden_sizes=[8, 16, 32, 32],
                            fusion_hidden_size=16, bottleneck_features=16, num_relative_features=8,
                            bin_embedding_dim=16, num_attractors=[4, 4, 2, 2], patch_size=16,
                            bin_configurations=[{"n_bins": 8, "min_depth": 0.001, "max_depth": 80.0, "name": "kitti"}])
    processor = _processor_config("ZoeDepthImageProcessor", (64, 96), keep_aspect_ratio=True, multiple=32, resample=2,
                                  mean=[0.5] * 3, std=[0.5] * 3, do_pad=True)
    module = ZoeDepthForDepthEstimation(config)
    with torch.no_grad():  # its initialisation (zero biases, uniform bins) predicts one depth everywhere: vary it
        for parameter in module.parameters():
            parameter.add_(0.1 * torch.randn_like(parameter))
    return _save_pretrained(module, folder, processor)


def write_depth_pro(folder: Path, *, use_fov_model: bool = True, seed: int = 0) -> Path:
    """A Depth Pro folder (DINOv2 patch, image and field-of-view encoders) working at 64×64."""
    import torch
    from transformers import DepthProConfig, DepthProForDepthEstimation

    torch.manual_seed(seed)
    encoder = dict(model_type="dinov2", hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                   intermediate_size=64, patch_size=16, image_size=32)
    config = DepthProConfig(fusion_hidden_size=16, patch_size=32, intermediate_hook_ids=[1, 0],
                            intermediate_feature_dims=[8, 8], scaled_images_ratios=[0.5, 1],
                            scaled_images_overlap_ratios=[0.0, 0.25], scaled_images_feature_dims=[16, 16],
                            use_fov_model=use_fov_model, image_model_config=dict(encoder),
                            patch_model_config=dict(encoder), fov_model_config=dict(encoder))
    processor = _processor_config("DepthProImageProcessor", (64, 64), keep_aspect_ratio=False, multiple=1, resample=2,
                                  mean=[0.5] * 3, std=[0.5] * 3)
    module = DepthProForDepthEstimation(config)
    last = module.head.layers[-2]  # the 1×1 conv before the final ReLU: keep the canonical inverse depth near 0.2,
    with torch.no_grad():  # as trained weights do (random ones put half the pixels at ReLU's 0, i.e. infinitely far)
        last.weight.mul_(0.01)
        last.bias.fill_(0.2)
    return _save_pretrained(module, folder, processor)


def write_hub_cache(cache: Path, repo_id: str, writer: Callable[[Path], Path],
                    revision: str = "0123456789abcdef0123456789abcdef01234567") -> Path:
    """``cache/models--org--name/snapshots/<revision>/`` written by ``writer``, and ``refs/main`` naming it.

    The layout ``hf download`` leaves (there the snapshot files link to ``blobs/``; copies load the same).
    """
    from udebench_baselines.hf_folders import cache_folder_name

    root = Path(cache) / cache_folder_name(repo_id)
    writer(root / "snapshots" / revision)
    (root / "refs").mkdir(parents=True, exist_ok=True)
    (root / "refs" / "main").write_text(revision)
    return root


def _clip_bpe_files(folder: Path) -> tuple[Path, Path]:
    """A CLIP BPE vocabulary of the 256 byte symbols (plain and word-final) and the two special tokens, no merges."""
    import json

    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    symbols = [chr(b) for b in printable] + [chr(256 + i) for i in range(256 - len(printable))]
    vocab = {symbol: i for i, symbol in enumerate(symbols)}
    vocab.update({symbol + "</w>": len(symbols) + i for i, symbol in enumerate(symbols)})
    vocab.update({"<|startoftext|>": len(vocab), "<|endoftext|>": len(vocab) + 1})
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vocab.json").write_text(json.dumps(vocab))
    (folder / "merges.txt").write_text("#version: 0.2\n")
    return folder / "vocab.json", folder / "merges.txt"


def write_marigold(folder: Path, *, seed: int = 0, prediction_type: str = "depth") -> Path:
    """A Marigold depth pipeline ``save_pretrained`` folder (model_index.json + unet, vae, scheduler, text encoder,
    tokenizer) small enough to run 1–2 denoising steps at 64×64 on a CPU; the VAE downsamples 8× like SD's."""
    import tempfile

    import torch
    from diffusers import AutoencoderKL, DDIMScheduler, MarigoldDepthPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    from udebench_baselines.hf_folders import quiet_transformers

    torch.manual_seed(seed)
    with tempfile.TemporaryDirectory() as tmp:
        vocab, merges = _clip_bpe_files(Path(tmp))
        tokenizer = CLIPTokenizer(str(vocab), str(merges), model_max_length=8)
    special = tokenizer.convert_tokens_to_ids(["<|startoftext|>", "<|endoftext|>"])
    text_encoder = CLIPTextModel(CLIPTextConfig(
        hidden_size=32, intermediate_size=37, num_attention_heads=4, num_hidden_layers=2, vocab_size=len(tokenizer),
        max_position_embeddings=8, projection_dim=32, bos_token_id=special[0], eos_token_id=special[1],
        pad_token_id=special[1]))
    unet = UNet2DConditionModel(
        sample_size=8, in_channels=8, out_channels=4, layers_per_block=1, block_out_channels=(8, 16), norm_num_groups=4,
        down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"), up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
        cross_attention_dim=32, attention_head_dim=2)
    vae = AutoencoderKL(  # four blocks: three 2× downsamplings, the 8× of Stable Diffusion's VAE
        in_channels=3, out_channels=3, down_block_types=("DownEncoderBlock2D",) * 4,
        up_block_types=("UpDecoderBlock2D",) * 4, block_out_channels=(8, 8, 16, 16), latent_channels=4,
        norm_num_groups=4, layers_per_block=1, sample_size=64)
    scheduler = DDIMScheduler(  # Marigold v1-1's: v-prediction, trailing timesteps
        beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", clip_sample=False, set_alpha_to_one=False,
        prediction_type="v_prediction", timestep_spacing="trailing", steps_offset=1)
    pipe = MarigoldDepthPipeline(unet=unet, vae=vae, scheduler=scheduler, text_encoder=text_encoder,
                                 tokenizer=tokenizer, prediction_type=prediction_type, scale_invariant=True,
                                 shift_invariant=True, default_denoising_steps=1, default_processing_resolution=64)
    with quiet_transformers():
        pipe.save_pretrained(str(folder))
    return Path(folder)
