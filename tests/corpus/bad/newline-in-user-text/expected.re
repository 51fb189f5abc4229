rules/bad\.yaml:9:38: error: level: unknown operator .*
