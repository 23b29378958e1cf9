"""KITTI-C: RoboDepth's 18 corruptions × 5 severities of the Eigen test split; the corruptions as translators."""
