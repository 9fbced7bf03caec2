"""Messages for value validation (plates, containers, tax ids, currencies, identity documents, HS codes)."""

MESSAGES: dict[str, dict[str, str]] = {
    "plate.empty": {
        "vi": "Chưa nhập biển số xe.",
        "zh": "请填写车牌号。",
        "en": "The plate number is missing.",
    },
    "plate.invalid_format": {
        "vi": "Biển số {value} (dạng {shape}) không đúng định dạng biển số Việt Nam (ví dụ 12C-123.45) "
        "hoặc Trung Quốc (ví dụ 桂F·12345).",
        "zh": "车牌号 {value}（形如 {shape}）格式不正确，应为越南车牌（如 12C-123.45）或中国车牌（如 桂F·12345）。",
        "en": "{value} (shaped {shape}) is not a valid Vietnamese (e.g. 12C-123.45) or Chinese (e.g. 桂F·12345) "
        "plate number.",
    },
    "plate.two_wheeler": {
        "vi": "Biển số {plate} (dạng {shape}) là biển xe mô tô, xe gắn máy: sê-ri {series} có chữ số ngay sau "
        "chữ cái. Xe hai bánh không chở hàng qua cửa khẩu nên không đăng ký được.",
        "zh": "车牌 {plate}（形如 {shape}）是摩托车号牌：号段 {series} 的字母后紧跟数字。"
        "两轮车不能经口岸运货，不能登记。",
        "en": "{plate} (shaped {shape}) is a motorcycle or moped plate: its series {series} has a digit right after "
        "the letter. Two-wheelers do not carry freight through a gate and cannot be registered.",
    },
    "container.invalid_format": {
        "vi": "Số container {value} không đúng định dạng ISO 6346 (4 chữ cái và 7 chữ số, ví dụ CSQU3054383).",
        "zh": "集装箱号 {value} 不符合 ISO 6346 格式（4 个字母加 7 位数字，如 CSQU3054383）。",
        "en": "Container number {value} is not in ISO 6346 format (4 letters and 7 digits, e.g. CSQU3054383).",
    },
    "container.check_digit": {
        "vi": "Số container {value} sai chữ số kiểm tra: chữ số cuối phải là {expected}. "
        "Vui lòng kiểm tra lại số container.",
        "zh": "集装箱号 {value} 校验位错误：最后一位应为 {expected}，请核对箱号。",
        "en": "Container number {value} has a wrong check digit: the last digit should be {expected}. "
        "Please check the number.",
    },
    "taxid.invalid": {
        "vi": "Mã số thuế {value} ({country}) không hợp lệ: sai độ dài, ký tự hoặc chữ số kiểm tra.",
        "zh": "税号 {value}（{country}）无效：长度、字符或校验位不正确。",
        "en": "Tax number {value} ({country}) is not valid: wrong length, characters or check digit.",
    },
    "taxid.country": {
        "vi": "Chưa hỗ trợ mã số thuế của quốc gia {country}; chỉ chấp nhận VN và CN.",
        "zh": "暂不支持国家 {country} 的税号，仅接受 VN 和 CN。",
        "en": "Tax numbers from {country} are not supported; only VN and CN are accepted.",
    },
    "currency.unknown": {
        "vi": "{value} không phải là mã tiền tệ ISO 4217 (ví dụ VND, CNY, USD).",
        "zh": "{value} 不是有效的 ISO 4217 货币代码（如 VND、CNY、USD）。",
        "en": "{value} is not an ISO 4217 currency code (e.g. VND, CNY, USD).",
    },
    "identity.kind": {
        "vi": "Không hỗ trợ loại giấy tờ tùy thân {value}; các loại được chấp nhận: {allowed}.",
        "zh": "不支持的证件类型 {value}；可接受的类型：{allowed}。",
        "en": "Unknown identity document kind {value}; accepted kinds: {allowed}.",
    },
    "identity.invalid": {
        "vi": "Số giấy tờ {value} không hợp lệ đối với loại giấy tờ {kind}.",
        "zh": "证件号码 {value} 对证件类型 {kind} 无效。",
        "en": "{value} is not a valid number for identity document kind {kind}.",
    },
    "hs.invalid_format": {
        "vi": "Mã HS {value} không hợp lệ: cần 6, 8 hoặc 10 chữ số (ví dụ 0810.60 hoặc 08106000).",
        "zh": "商品编码 {value} 格式不正确：应为 6、8 或 10 位数字（如 0810.60 或 08106000）。",
        "en": "HS code {value} is not valid: it must have 6, 8 or 10 digits (e.g. 0810.60 or 08106000).",
    },
    "hs.not_subheading": {
        "vi": "Mã {code} là chương hoặc nhóm HS; hãy khai báo ít nhất đến phân nhóm 6 số (ví dụ 081060).",
        "zh": "{code} 是 HS 章或品目编码，请至少申报到 6 位子目（如 081060）。",
        "en": "{code} is an HS chapter or heading; declare at least the 6-digit subheading (e.g. 081060).",
    },
    "hs.not_declarable": {
        "vi": "Mã HS {code} là mã thống kê (hàng hóa không phân loại theo chủng loại), "
        "không dùng để khai báo hàng hóa.",
        "zh": "商品编码 {code} 是统计用编码（未按品种分类的商品），不能用于申报货物。",
        "en": "HS code {code} is a statistical code (commodities not specified according to kind) "
        "and cannot be declared.",
    },
    "hs.only_in_2017": {
        "vi": "Mã HS {code} chỉ có trong HS 2017, không còn trong HS 2022. Vui lòng dùng mã mới tương ứng.",
        "zh": "商品编码 {code} 仅见于 HS 2017，HS 2022 中已不再使用，请改用对应的新编码。",
        "en": "HS code {code} exists only in HS 2017 and is no longer in HS 2022; use the corresponding new code.",
    },
    "hs.unknown": {
        "vi": "Phân nhóm HS {code} không có trong danh mục HS 2022.",
        "zh": "HS 2022 目录中没有子目 {code}。",
        "en": "Subheading {code} does not exist in HS 2022.",
    },
}
