"""Procedural street scenes: sample the geometry and materials of one synth world from a seed.

A scene is a straight street along +z: a road (the plane y = 0) with lane markings, raised
sidewalks with kerbs, rows of buildings, parked and moving cars, street lamps and trees.
Everything is an axis-aligned box, a vertical cylinder or a sphere, so rays can be cast
exactly and fast. The same scene is rendered under every condition; nothing here depends
on the weather or the time of day except which lights exist.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

# Material ids (one per kind of surface; the texture code switches on them).
ROAD, SIDEWALK, BUILDING, CAR_BODY, CAR_CABIN, POLE, LAMP, TRUNK, FOLIAGE = range(9)
#: per-object material parameters (unused ones are 0):
#: BUILDING (floor height m, window spacing m, window width and height as fractions of the
#: bay and floor, has shops 0/1, share of lit windows at night); CAR_BODY (facing: +1 drives
#: away from the camera, -1 towards it; width m); LAMP (index into lamp_pos, x of the head).
N_PARAMS = 6

BUILDING_COLOURS = np.array(
    [
        [0.50, 0.22, 0.15],  # red brick
        [0.62, 0.50, 0.36],  # sandstone
        [0.72, 0.68, 0.58],  # plaster
        [0.42, 0.42, 0.43],  # concrete
        [0.78, 0.70, 0.52],  # ochre
        [0.36, 0.26, 0.20],  # brown brick
        [0.52, 0.58, 0.62],  # blue-grey
        [0.80, 0.78, 0.74],  # white render
        [0.60, 0.38, 0.30],  # terracotta
        [0.55, 0.60, 0.50],  # sage
    ],
    dtype=np.float32,
)
CAR_COLOURS = np.array(
    [
        [0.80, 0.80, 0.80],  # white
        [0.05, 0.05, 0.06],  # black
        [0.45, 0.46, 0.48],  # silver
        [0.20, 0.21, 0.23],  # dark grey
        [0.55, 0.06, 0.05],  # red
        [0.08, 0.15, 0.40],  # blue
        [0.10, 0.25, 0.15],  # green
        [0.60, 0.52, 0.35],  # beige
    ],
    dtype=np.float32,
)
LAMP_COLOURS = np.array([[1.0, 0.62, 0.25], [1.0, 0.92, 0.80]], dtype=np.float32)  # sodium, LED


@dataclass(frozen=True)
class LaneLine:
    """A painted line on the road: centre x, half width (m), dashed or solid."""

    x: float
    half_width: float
    dashed: bool


@dataclass(frozen=True)
class Street:
    """The cross-section of the street, shared by every frame of a scene."""

    lane_width: float
    n_lanes: int
    parking: float  # width of the parking strip on each side (0 = none)
    road_half: float  # kerb at x = +-road_half
    sidewalk_width: float
    kerb_height: float
    ego_x: float  # centre of the camera's lane
    lines: tuple[LaneLine, ...]
    dash_period: float
    dash_length: float
    asphalt: tuple[float, float, float]
    pavement: tuple[float, float, float]
    tile: float  # sidewalk tile size (m)


@dataclass(frozen=True)
class Scene:
    """All geometry of one scene. Object id 0 is the ground; boxes, cylinders, spheres follow."""

    seed: int
    street: Street
    camera_height: float
    box_lo: np.ndarray  # (Nb, 3) float32
    box_hi: np.ndarray  # (Nb, 3) float32
    cyl_xz: np.ndarray  # (Nc, 2) float32 axis position
    cyl_r: np.ndarray  # (Nc,) float32
    cyl_y: np.ndarray  # (Nc, 2) float32 (top, bottom), top < bottom
    sph_c: np.ndarray  # (Ns, 3) float32
    sph_r: np.ndarray  # (Ns,) float32
    material: np.ndarray  # (N,) int8, N = 1 + Nb + Nc + Ns
    colour: np.ndarray  # (N, 3) float32 albedo
    param: np.ndarray  # (N, N_PARAMS) float32 material parameters
    lamp_pos: np.ndarray  # (Nl, 3) float32 street-lamp light positions
    lamp_colour: np.ndarray  # (Nl, 3) float32
    tex_offset: tuple[float, float] = (0.0, 0.0)

    @cached_property
    def colour_t(self) -> np.ndarray:
        """(3, N) albedo per object, channel-first for fast per-pixel gathers."""
        return np.ascontiguousarray(self.colour.T)

    @cached_property
    def param_t(self) -> np.ndarray:
        """(N_PARAMS, N) material parameters per object."""
        return np.ascontiguousarray(self.param.T)

    @cached_property
    def bounds_t(self) -> np.ndarray:
        """(6, N) box bounds per object (lo xyz, hi xyz); zeros for non-boxes."""
        out = np.zeros((6, len(self.material)), np.float32)
        out[:3, 1 : 1 + self.n_boxes] = self.box_lo.T
        out[3:, 1 : 1 + self.n_boxes] = self.box_hi.T
        return out

    @property
    def n_boxes(self) -> int:
        return len(self.box_lo)

    @property
    def n_cylinders(self) -> int:
        return len(self.cyl_r)

    @property
    def n_spheres(self) -> int:
        return len(self.sph_r)

    @property
    def first_cylinder(self) -> int:
        return 1 + self.n_boxes

    @property
    def first_sphere(self) -> int:
        return 1 + self.n_boxes + self.n_cylinders


class _Builder:
    """Collects objects while a scene is sampled, then packs them into arrays."""

    def __init__(self) -> None:
        self.boxes: list[tuple] = []
        self.cylinders: list[tuple] = []
        self.spheres: list[tuple] = []
        self.lamps: list[tuple] = []

    def box(self, lo, hi, material: int, colour, param=()) -> None:
        self.boxes.append((lo, hi, material, colour, param))

    def cylinder(self, x: float, z: float, r: float, top: float, bottom: float, material: int, colour, param=()):
        self.cylinders.append(((x, z), r, (top, bottom), material, colour, param))

    def sphere(self, centre, r: float, material: int, colour, param=()) -> None:
        self.spheres.append((centre, r, material, colour, param))

    def lamp(self, pos, colour) -> None:
        self.lamps.append((pos, colour))

    def build(self, seed: int, street: Street, camera_height: float, tex_offset) -> Scene:
        def params(p) -> list[float]:
            p = list(p)[:N_PARAMS]
            return p + [0.0] * (N_PARAMS - len(p))

        material = [ROAD]
        colour = [street.asphalt]
        param = [params(())]
        for group in (self.boxes, self.cylinders, self.spheres):
            for item in group:
                material.append(item[-3])
                colour.append(item[-2])
                param.append(params(item[-1]))
        f32 = np.float32
        return Scene(
            seed=seed,
            street=street,
            camera_height=camera_height,
            box_lo=np.array([b[0] for b in self.boxes], dtype=f32).reshape(-1, 3),
            box_hi=np.array([b[1] for b in self.boxes], dtype=f32).reshape(-1, 3),
            cyl_xz=np.array([c[0] for c in self.cylinders], dtype=f32).reshape(-1, 2),
            cyl_r=np.array([c[1] for c in self.cylinders], dtype=f32).reshape(-1),
            cyl_y=np.array([c[2] for c in self.cylinders], dtype=f32).reshape(-1, 2),
            sph_c=np.array([s[0] for s in self.spheres], dtype=f32).reshape(-1, 3),
            sph_r=np.array([s[1] for s in self.spheres], dtype=f32).reshape(-1),
            material=np.array(material, dtype=np.int8),
            colour=np.array(colour, dtype=f32).reshape(-1, 3),
            param=np.array(param, dtype=f32).reshape(-1, N_PARAMS),
            lamp_pos=np.array([lp[0] for lp in self.lamps], dtype=f32).reshape(-1, 3),
            lamp_colour=np.array([lp[1] for lp in self.lamps], dtype=f32).reshape(-1, 3),
            tex_offset=tex_offset,
        )


def _jitter(rng: np.random.Generator, colour: np.ndarray, amount: float = 0.08) -> tuple[float, float, float]:
    # clip(colour * (1 + u), 0.01, 0.95) in float64, as numpy would, without numpy's per-call cost on 3 values
    factors = rng.uniform(-amount, amount, 3).tolist()
    return tuple(_clip(float(c) * (1.0 + f), 0.01, 0.95) for c, f in zip(colour.tolist(), factors, strict=True))


def _clip(value: float, lo: float, hi: float) -> float:
    """``np.clip`` of one float (a NaN stays NaN, as there)."""
    return value if value != value else min(max(value, lo), hi)


def _street(rng: np.random.Generator) -> Street:
    lane_width = float(rng.uniform(3.0, 3.6))
    n_lanes = int(rng.choice([2, 2, 2, 3, 4]))
    parking = float(rng.choice([0.0, 2.3], p=[0.45, 0.55]))
    carriage_half = n_lanes * lane_width / 2
    road_half = carriage_half + parking
    # Drive on the right: the ego lane is the rightmost lane of the carriageway.
    ego_x = carriage_half - lane_width / 2
    lines = []
    edge_offset = 0.0 if parking else 0.25
    for side in (-1, 1):
        lines.append(LaneLine(side * (carriage_half - edge_offset), 0.08, parking > 0))
    for i in range(1, n_lanes):
        x = -carriage_half + i * lane_width
        centre = abs(x) < 1e-6
        lines.append(LaneLine(x, 0.08 if not centre else 0.09, not centre or rng.random() < 0.5))
    grey = float(rng.uniform(0.07, 0.13))
    tint = rng.uniform(-0.008, 0.008, 3)
    asphalt = tuple(float(v) for v in np.clip(grey + tint, 0.02, 1.0))
    pave = float(rng.uniform(0.28, 0.42))
    pavement = (pave * 1.02, pave, pave * 0.96)
    return Street(
        lane_width=lane_width,
        n_lanes=n_lanes,
        parking=parking,
        road_half=road_half,
        sidewalk_width=float(rng.uniform(2.5, 5.0)),
        kerb_height=float(rng.uniform(0.12, 0.18)),
        ego_x=ego_x,
        lines=tuple(lines),
        dash_period=float(rng.uniform(8.0, 12.0)),
        dash_length=float(rng.uniform(2.5, 4.0)),
        asphalt=asphalt,
        pavement=pavement,
        tile=float(rng.uniform(0.8, 1.6)),
    )


def _buildings(b: _Builder, rng: np.random.Generator, street: Street, z_end: float) -> None:
    """Two rows of building blocks along the street, with occasional alleys."""
    base_x = street.road_half + street.sidewalk_width
    tall = rng.uniform(0.6, 1.6)  # downtown vs suburb
    for side in (-1, 1):
        z = float(rng.uniform(-40.0, -20.0))
        while z < z_end:
            length = float(rng.uniform(8.0, 30.0))
            if rng.random() < 0.25:
                z += float(rng.uniform(3.0, 9.0))  # alley
            setback = float(rng.uniform(0.0, 1.5)) if rng.random() < 0.4 else 0.0
            height = _clip(float(rng.gamma(4.0, 3.2) * tall), 5.0, 38.0)
            depth = float(rng.uniform(10.0, 22.0))
            x_near = base_x + setback
            lo_x, hi_x = (x_near, x_near + depth) if side > 0 else (-x_near - depth, -x_near)
            colour = _jitter(rng, BUILDING_COLOURS[rng.integers(len(BUILDING_COLOURS))])
            floor_h = float(rng.uniform(2.9, 3.6))
            spacing = float(rng.uniform(2.2, 4.0))
            b.box(
                (lo_x, -height, z),
                (hi_x, 0.0, z + length),
                BUILDING,
                colour,
                (floor_h, spacing, rng.uniform(0.3, 0.65), rng.uniform(0.35, 0.6), rng.random() < 0.5, rng.random()),
            )
            z += length


def _end_of_street(b: _Builder, rng: np.random.Generator, street: Street, camera_height: float) -> float:
    """Sometimes the street ends at a T-junction facade; returns where the buildings stop."""
    if rng.random() < 0.45:
        z = float(rng.uniform(110.0, 220.0))
        # Keep it below the top of the image so the sky stays visible down the street.
        height = float(min(rng.uniform(8.0, 30.0), camera_height + 0.12 * z))
        colour = _jitter(rng, BUILDING_COLOURS[rng.integers(len(BUILDING_COLOURS))])
        b.box((-80.0, -height, z), (80.0, 0.0, z + 15.0), BUILDING, colour, (3.2, 3.0, 0.5, 0.5, 1.0, rng.random()))
        return z
    return float(rng.uniform(250.0, 400.0))


def _sidewalks(b: _Builder, street: Street, colour) -> None:
    h = street.kerb_height
    for side in (-1, 1):
        lo_x, hi_x = (
            (street.road_half, street.road_half + 60.0) if side > 0 else (-street.road_half - 60.0, -street.road_half)
        )
        b.box((lo_x, -h, -60.0), (hi_x, 0.0, 600.0), SIDEWALK, colour)


def _car(b: _Builder, rng: np.random.Generator, x: float, z: float, facing: int) -> float:
    """A car (body, cabin) or a van centred at lane position x, starting at z; returns its length."""
    van = rng.random() < 0.12
    length = float(rng.uniform(4.9, 6.0) if van else rng.uniform(3.9, 4.9))
    width = float(rng.uniform(1.75, 2.0) if van else rng.uniform(1.65, 1.9))
    colour = _jitter(rng, CAR_COLOURS[rng.integers(len(CAR_COLOURS))], 0.05)
    hw = width / 2
    top = float(rng.uniform(-2.5, -2.1)) if van else float(rng.uniform(-1.05, -0.85))
    # one box from the ground up: its lowest band is painted as tyres and underbody
    b.box((x - hw, top, z), (x + hw, 0.0, z + length), CAR_BODY, colour, (facing, width))
    if not van:
        cab_len = length * float(rng.uniform(0.45, 0.6))
        # the cabin sits toward the rear of the car
        rear = z if facing > 0 else z + length - cab_len
        offset = 0.35 if facing > 0 else -0.35
        cab_top = top - float(rng.uniform(0.4, 0.55))
        b.box(
            (x - hw + 0.12, cab_top, rear + offset + 0.2),
            (x + hw - 0.12, top, rear + offset + cab_len),
            CAR_CABIN,
            colour,
        )
    return length


def _cars(b: _Builder, rng: np.random.Generator, street: Street) -> None:
    carriage_half = street.n_lanes * street.lane_width / 2
    for lane in range(street.n_lanes):
        x = -carriage_half + (lane + 0.5) * street.lane_width
        facing = 1 if x > 0 else -1
        ego_lane = abs(x - street.ego_x) < 1e-3
        z = float(rng.uniform(9.0, 25.0) if ego_lane else rng.uniform(-6.0, 20.0))
        while z < 110.0:
            if rng.random() < 0.55:
                z += _car(b, rng, x + float(rng.uniform(-0.3, 0.3)), z, facing)
            z += float(rng.uniform(6.0, 40.0))
    if street.parking:
        for side in (-1, 1):
            x = side * (carriage_half + street.parking / 2 + 0.05)
            z = float(rng.uniform(-8.0, 5.0))
            while z < 90.0:
                if rng.random() < 0.7:
                    z += _car(b, rng, x, z, side)
                z += float(rng.uniform(0.8, 8.0))


def _lamps_and_trees(b: _Builder, rng: np.random.Generator, street: Street) -> None:
    h_kerb = -street.kerb_height
    lamp_colour = LAMP_COLOURS[rng.integers(len(LAMP_COLOURS))]
    spacing = float(rng.uniform(22.0, 34.0))
    sides = (-1, 1) if rng.random() < 0.6 else (int(rng.choice([-1, 1])),)
    for side in sides:
        x = side * (street.road_half + 0.6)
        height = float(rng.uniform(7.0, 9.0))
        reach = float(rng.uniform(1.2, 2.2))
        z = float(rng.uniform(-10.0, spacing - 10.0))
        while z < 160.0:
            b.cylinder(x, z, 0.11, -height, h_kerb, POLE, (0.30, 0.31, 0.32))
            hx = x - side * reach  # the lamp head hangs over the road at the end of an arm
            xa, xb = sorted((x, hx - side * 0.35))
            lamp_index = len(b.lamps)
            b.box(
                (xa, -height - 0.12, z - 0.13),
                (xb, -height + 0.04, z + 0.13),
                LAMP,
                (0.4, 0.41, 0.42),
                (lamp_index, hx),
            )
            b.lamp((hx, -height + 0.15, z), tuple(float(c) for c in lamp_colour))
            z += spacing
    if rng.random() < 0.6:
        for side in (-1, 1):
            x = side * (street.road_half + min(1.6, street.sidewalk_width - 0.9))
            z = float(rng.uniform(-5.0, 12.0))
            while z < 120.0:
                if rng.random() < 0.7:
                    trunk = float(rng.uniform(2.2, 3.2))
                    r = float(rng.uniform(1.2, 2.2))
                    green = _jitter(rng, np.array([0.07, 0.14, 0.04], dtype=np.float32), 0.25)
                    b.cylinder(x, z, 0.14, -trunk - r * 0.6, h_kerb, TRUNK, (0.10, 0.07, 0.05))
                    b.sphere((x, -trunk - r, z), r, FOLIAGE, green)
                    if rng.random() < 0.7:  # a lump makes the crown less of a ball
                        lump = rng.uniform(-0.6, 0.6, 3) * r
                        b.sphere(
                            (x + lump[0], -trunk - r * 1.1 + lump[1] * 0.6, z + lump[2]),
                            r * float(rng.uniform(0.55, 0.8)),
                            FOLIAGE,
                            green,
                        )
                z += float(rng.uniform(9.0, 16.0))


def sample_scene(seed: int) -> Scene:
    """The scene for ``seed``: the same seed always gives the same street."""
    rng = np.random.Generator(np.random.PCG64(seed))
    street = _street(rng)
    camera_height = float(rng.uniform(1.45, 1.7))
    b = _Builder()
    _sidewalks(b, street, street.pavement)
    z_end = _end_of_street(b, rng, street, camera_height)
    _buildings(b, rng, street, z_end)
    _cars(b, rng, street)
    _lamps_and_trees(b, rng, street)
    tex_offset = (float(rng.uniform(0, 1000)), float(rng.uniform(0, 1000)))
    return b.build(seed, street, camera_height, tex_offset)


def empty_scene(seed: int = 0, camera_height: float = 1.5) -> Scene:
    """A bare road plane under the sky: no objects, so depth has a closed form (used in tests)."""
    rng = np.random.Generator(np.random.PCG64(seed))
    street = _street(rng)
    return _Builder().build(seed, street, camera_height, (0.0, 0.0))


def initial_camera(scene: Scene) -> tuple[float, float, float, float]:
    """(x, y, z, yaw) of a camera centred in the ego lane at eye height, looking down the street."""
    return (scene.street.ego_x, -scene.camera_height, 0.0, 0.0)


def camera_start(scene: Scene) -> tuple[float, float, float, float]:
    """(x, y, z, yaw) where a scene's camera starts: in the ego lane, drifting a little.

    Uses its own stream of the scene seed, so geometry does not change if this does.
    """
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([scene.seed, 7])))
    x, y, z, _ = initial_camera(scene)
    x += float(rng.uniform(-0.3, 0.3))
    yaw = math.radians(float(rng.uniform(-2.0, 2.0)))
    return (x, y, z, yaw)
