"""DrivingStereo: the four 500-frame weather sets (sunny, cloudy, foggy, rainy) with disparity-derived depth."""
