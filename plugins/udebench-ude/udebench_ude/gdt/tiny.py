"""Tiny random GDT weights in the real layout (``TranslatorSpec.test_weights``): tests load them like real ones.

Every size is the smallest the architecture allows, but what makes the layout real is kept: an
8× down-sampling VAE (four blocks), a ControlNet whose conditioning embedding also down-samples 8×,
a 77-token CLIP tokenizer, a CLIP vision encoder at 224 px (the size SD1.5's feature extractor
crops to), and IP-Adapter weights for every cross-attention layer of the UNet.
"""

from __future__ import annotations

from pathlib import Path

from udebench_ude.gdt.architecture import Architecture, char_vocab

CROSS_ATTENTION_DIM = 32
UNET_CHANNELS = (8, 16)

TINY = Architecture(
    unet=dict(sample_size=8, in_channels=4, out_channels=4, layers_per_block=1, block_out_channels=UNET_CHANNELS,
              down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
              up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"), cross_attention_dim=CROSS_ATTENTION_DIM,
              attention_head_dim=2, norm_num_groups=4),
    controlnet=dict(in_channels=4, layers_per_block=1, block_out_channels=UNET_CHANNELS,
                    down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"), cross_attention_dim=CROSS_ATTENTION_DIM,
                    attention_head_dim=2, norm_num_groups=4, conditioning_embedding_out_channels=(4, 4, 8, 8)),
    vae=dict(in_channels=3, out_channels=3, latent_channels=4, layers_per_block=1, block_out_channels=(8, 8, 8, 8),
             down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
             norm_num_groups=4, sample_size=64, scaling_factor=0.18215),
    text_encoder=dict(vocab_size=len(char_vocab()), hidden_size=CROSS_ATTENTION_DIM, intermediate_size=37,
                      num_hidden_layers=2, num_attention_heads=4, max_position_embeddings=77, projection_dim=32,
                      hidden_act="quick_gelu", bos_token_id=0, eos_token_id=1, pad_token_id=1),
    image_encoder=dict(hidden_size=32, intermediate_size=37, num_hidden_layers=2, num_attention_heads=4,
                       image_size=224, patch_size=32, projection_dim=16, hidden_act="gelu"),
    # SD1.5's scheduler config (PNDM, scaled-linear betas) and feature extractor (CLIP, 224 px)
    scheduler=dict(num_train_timesteps=1000, beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                   skip_prk_steps=True, set_alpha_to_one=False, steps_offset=1),
    feature_extractor=dict(size={"shortest_edge": 224}, crop_size={"height": 224, "width": 224}),
)


def write_tiny_weights(folder: str | Path, *, seed: int = 0, ip_adapter_format: str = "safetensors") -> str:
    """Tiny random SD1.5 + ControlNet depth + IP-Adapter under ``folder`` in the real layout; returns the path
    to pass as ``--weights`` (``folder`` itself)."""
    from udebench_ude.gdt.architecture import build_components, save_layout

    components = build_components(TINY, seed=seed)
    return str(save_layout(components, Path(folder), model_max_length=TINY.model_max_length,
                           ip_adapter_format=ip_adapter_format))
