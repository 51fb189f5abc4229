observations/deep\.json:1:\d+: error: (?!nesting deeper than 5000 levels).+
