observations/pipe\.yaml:1:1: error: .+
