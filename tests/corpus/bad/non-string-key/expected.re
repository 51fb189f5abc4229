observations/bad\.yaml:4:1: error: (?!None: ).*key.*
