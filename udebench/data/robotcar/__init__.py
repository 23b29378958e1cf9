"""Oxford RobotCar: md4all's day and night test scenes with front-LMS depth accumulated over ±4 s."""
