"""KITTI raw: the Eigen test split with velodyne, exported or improved ground truth."""
