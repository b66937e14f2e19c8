"""The fitted, versioned engine state and its on-disk format (one .npz: arrays plus a JSON header).

npz rather than pickle so a model file from an untrusted location cannot execute code on load.
"""

from __future__ import annotations

import io
import json
from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from reelbox.recsys.catalog import Catalog
from reelbox.recsys.collab import CollabConfig, CollabModel
from reelbox.recsys.exploration import ExposurePools
from reelbox.recsys.ranker import ActionRates, Trending
from reelbox.recsys.signals import Item, WatchQuantiles
from reelbox.recsys.state import UserState

# 2: the catalogue as columns (see Catalog.columns); 1, one JSON object per item, is still read.
FORMAT = 2
FILENAME = "model.npz"


@dataclass
class Model:
    version: str
    config: dict[str, Any]
    catalog: Catalog
    collab: CollabModel
    quantiles: WatchQuantiles
    rates: ActionRates
    trending: Trending
    pools: ExposurePools
    users: dict[Hashable, UserState] = field(default_factory=dict)

    def to_bytes(self) -> bytes:
        catalog_lists, catalog_arrays = self.catalog.columns()
        header = {
            "format": FORMAT, "version": self.version, "config": self.config,
            "catalog": catalog_lists,
            "collab_config": self.collab.to_dict(),
            "trending": {"ref": self.trending.ref, "half_life_s": self.trending.half_life_s},
            "pools": self.pools.state(),
            "users": [[u, s.to_json()] for u, s in self.users.items()],
            "n_quantile_tables": len(self.quantiles.tables),
        }
        m = self.collab.matrix.tocsr()
        arrays: dict[str, np.ndarray] = {
            "header": np.frombuffer(json.dumps(header).encode(), dtype=np.uint8),
            "collab_data": m.data, "collab_indices": m.indices, "collab_indptr": m.indptr,
            "collab_shape": np.array(m.shape), "quantile_edges": self.quantiles.edges,
            "trending_scores": self.trending.scores,
        }
        arrays.update({f"catalog_{k}": v for k, v in catalog_arrays.items()})
        for i, t in enumerate(self.quantiles.tables):
            arrays[f"quantile_{i}"] = t
        arrays.update(self.rates.arrays())
        buf = io.BytesIO()
        np.savez_compressed(buf, **arrays)
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> Model:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            a = {k: z[k] for k in z.files}
        header = json.loads(a["header"].tobytes().decode())
        if header["format"] not in (1, FORMAT):
            raise ValueError(f"unsupported recsys model format {header['format']}")
        if header["format"] == 1:
            catalog = Catalog(Item.from_json(d) for d in header["items"])
        else:
            catalog = Catalog.from_columns(header["catalog"], {k[len("catalog_"):]: v for k, v in a.items()
                                                                if k.startswith("catalog_")})
        matrix = sp.csr_matrix((a["collab_data"], a["collab_indices"], a["collab_indptr"]),
                               shape=tuple(a["collab_shape"]))
        cfg = header["config"]
        trending = Trending(0, header["trending"]["half_life_s"])
        trending.ref, trending.scores = header["trending"]["ref"], np.array(a["trending_scores"])
        pools = ExposurePools.from_config(cfg["exploration"])
        pools.load_state(header["pools"])
        tables = [np.array(a[f"quantile_{i}"]) for i in range(header["n_quantile_tables"])]
        return cls(
            version=header["version"], config=cfg,
            catalog=catalog,
            collab=CollabModel(CollabConfig(**header["collab_config"]), matrix),
            quantiles=WatchQuantiles(np.array(a["quantile_edges"]), tables),
            rates=ActionRates.from_arrays(a), trending=trending, pools=pools,
            users={_key(u): UserState.from_json(s) for u, s in header["users"]},
        )

    def save(self, path: str | Path) -> Path:
        """Write into directory `path` (created if missing); returns the file written."""
        p = Path(path)
        p.mkdir(parents=True, exist_ok=True)
        target = p / FILENAME
        tmp = p / (FILENAME + ".tmp")
        tmp.write_bytes(self.to_bytes())
        # Atomic replace, so a feed worker never loads a half-written model.
        tmp.replace(target)
        return target

    @classmethod
    def load(cls, path: str | Path) -> Model:
        p = Path(path)
        return cls.from_bytes((p / FILENAME if p.is_dir() else p).read_bytes())


def _key(u: Any) -> Hashable:
    # JSON turns tuple ids into lists; ids are expected to be str or int, anything else is normalised.
    return tuple(u) if isinstance(u, list) else u
