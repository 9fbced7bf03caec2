"""Messages of the simulator: scenario files and runs."""

MESSAGES: dict[str, dict[str, str]] = {
    "simulation.scenario_invalid": {
        "vi": "Kịch bản {source}, dòng {line}: {message}",
        "zh": "仿真场景 {source} 第 {line} 行：{message}",
        "en": "Scenario {source}, line {line}: {message}",
    },
    "simulation.scenario_yaml": {
        "vi": "Kịch bản {source} không phải YAML hợp lệ (dòng {line}, cột {column}): {message}",
        "zh": "仿真场景 {source} 不是有效的 YAML（第 {line} 行第 {column} 列）：{message}",
        "en": "Scenario {source} is not valid YAML (line {line}, column {column}): {message}",
    },
    "simulation.scenario_unreadable": {
        "vi": "Không đọc được tệp kịch bản {source} ({message}).",
        "zh": "无法读取仿真场景文件 {source}（{message}）。",
        "en": "Cannot read the scenario file {source} ({message}).",
    },
    "simulation.replications": {
        "vi": "Số lần lặp phải từ 1 đến {max}: {value}.",
        "zh": "重复次数必须在 1 到 {max} 之间：{value}。",
        "en": "Replications must be between 1 and {max}: {value}.",
    },
}
