"""``udebench translate``'s engine: translate a split's images once and store them (resumable).

Samples already stored are skipped, so a run stopped at any point (Ctrl-C, SIGKILL, a lost
machine) resumes where it stopped by running it again; a kill loses at most the batch in flight.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import Any

from udebench.errors import UdebenchError
from udebench.samples import first_sample_ids
from udebench.translate.cache import TranslationSet, identity_of
from udebench.translate.contract import sample_seed
from udebench.translate.options import TranslateOptions, TranslateSummary


def translate_split(options: TranslateOptions) -> TranslateSummary:
    """Translate ``options.split`` (its first ``limit`` samples) and store the images with their provenance."""
    from udebench.api import build_translator, get_split
    from udebench.plugins import lookup, split_spec
    from udebench.progress import progress_bar

    options = options.check()
    split_spec(options.split)  # an unknown split fails before any weights are read
    spec = lookup("translators", options.translator)
    if spec.conditions and options.condition not in spec.conditions:
        raise UdebenchError(f"--condition {options.condition}: translator {options.translator} knows "
                            f"{', '.join(spec.conditions)}")
    source = get_split(options.split, data_root=options.data_root, **dict(options.split_options))
    factory_options = dict(options.translator_options)
    if options.weights is not None:
        factory_options["weights"] = options.weights
    try:
        translator = build_translator(options.translator, seed=options.seed, **factory_options)
    except UdebenchError as exc:
        if options.weights is not None and "'weights'" in str(exc):  # the factory has no such argument
            raise UdebenchError(f"--weights {options.weights}: translator {options.translator} takes no weights "
                                f"({exc})") from exc
        raise
    identity = identity_of(translator, options.translator, options.split, source, options.condition, options.seed)
    stored = TranslationSet(identity, options.cache_dir)
    n = len(source) if options.limit is None else min(options.limit, len(source))
    ids = first_sample_ids(source, n)
    count = stored.count_done()
    stored.save_manifest(count=count, source_count=len(source), new_run=True)
    pending = [i for i, sample_id in enumerate(ids) if not stored.is_done(sample_id)]
    start = time.perf_counter()
    done = 0
    bar = progress_bar(f"{identity.split_name}", total=n, completed=n - len(pending), unit="images",
                       enabled=options.progress)
    try:
        with bar:
            for chunk in _chunks(pending, options.batch_size):
                samples = [source[i] for i in chunk]
                seeds = [sample_seed(options.seed, str(s["sample_id"])) for s in samples]
                images = translate_images(translator, [s["image"] for s in samples], options.condition, seeds)
                for sample, image, seed in zip(samples, images, seeds, strict=True):
                    stored.write(str(sample["sample_id"]), image, sample_seed=seed)
                done += len(chunk)
                count += len(chunk)
                stored.save_manifest(count=count, source_count=len(source))
                bar.advance(len(chunk))
    finally:
        count = stored.count_done()  # another run may have written some too
        stored.save_manifest(count=count, source_count=len(source))
    return TranslateSummary(split=identity.split_name, key=identity.key, folder=stored.folder, n_requested=n,
                            n_translated=done, n_skipped=n - len(pending), n_stored=count,
                            seconds=time.perf_counter() - start)


def translate_images(translator: Any, images: Sequence[Any], condition: str, seeds: Sequence[int]) -> list[Any]:
    """``translator`` applied to uint8 images with one seed each: one ``translate_batch`` call when they share a
    size (the contract makes image i equal the single call with seeds[i]), else one call per image."""
    import numpy as np

    if len(images) == 1 or len({np.asarray(image).shape for image in images}) > 1:
        return [translator(np.asarray(image), condition, seed=seed) for image, seed in zip(images, seeds, strict=True)]
    import torch

    batch = torch.from_numpy(np.stack([np.asarray(image) for image in images])).permute(0, 3, 1, 2).float() / 255.0
    out = translator.translate_batch(batch, condition, seeds=list(seeds))
    out = (out.detach().float().clamp(0, 1) * 255.0).round().to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy()
    return [np.ascontiguousarray(image) for image in out]


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
