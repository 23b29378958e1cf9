"""nuScenes: CAM_FRONT key frames of the validation scenes with LIDAR_TOP depth, md4all's condition labels."""
