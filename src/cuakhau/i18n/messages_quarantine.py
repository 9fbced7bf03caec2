"""Messages of plant quarantine: reading a phytosanitary certificate (SPS XML), checking it against a declaration."""

MESSAGES: dict[str, dict[str, str]] = {
    # reading the certificate
    "phyto.unparseable": {
        "vi": "Không đọc được giấy chứng nhận kiểm dịch thực vật tại phần tử {element} ({path}): {problem}.",
        "zh": "无法读取植物检疫证书，出错元素 {element}（{path}）：{problem}。",
        "en": "The phytosanitary certificate cannot be read at element {element} ({path}): {problem}.",
    },
    "phyto.forbidden_xml": {
        "vi": "Giấy chứng nhận chứa cấu trúc XML bị cấm ({element}): {problem}.",
        "zh": "证书含有被禁止的 XML 结构（{element}）：{problem}。",
        "en": "The certificate contains a forbidden XML construct ({element}): {problem}.",
    },
    "phyto.too_large": {
        "vi": "Giấy chứng nhận quá lớn (tối đa {max} byte).",
        "zh": "证书过大（最多 {max} 字节）。",
        "en": "The certificate is too large (at most {max} bytes).",
    },
    "phyto.wrong_root": {
        "vi": "Tài liệu không phải giấy chứng nhận SPS: phần tử gốc là {element}, không phải SPSCertificate.",
        "zh": "该文件不是 SPS 证书：根元素为 {element}，而不是 SPSCertificate。",
        "en": "The document is not an SPS certificate: its root element is {element}, not SPSCertificate.",
    },
    "phyto.element_missing": {
        "vi": "Giấy chứng nhận thiếu phần tử bắt buộc {element} tại {path}: {problem}.",
        "zh": "证书缺少必需元素 {element}，位置 {path}：{problem}。",
        "en": "The certificate lacks the required element {element} at {path}: {problem}.",
    },
    "phyto.bad_datetime": {
        "vi": "Ngày giờ trong phần tử {element} ({path}) không hợp lệ: {problem}.",
        "zh": "元素 {element}（{path}）中的日期时间无效：{problem}。",
        "en": "The date or time in element {element} ({path}) is not valid: {problem}.",
    },
    "phyto.bad_number": {
        "vi": "Số trong phần tử {element} ({path}) không hợp lệ: {problem}.",
        "zh": "元素 {element}（{path}）中的数值无效：{problem}。",
        "en": "The number in element {element} ({path}) is not valid: {problem}.",
    },
    "phyto.foreign_markup": {
        "vi": "Giấy chứng nhận chứa {element} thuộc không gian tên {namespace}, không thuộc chuẩn SPS/UN-CEFACT; "
        "tài liệu bị từ chối và không được lưu.",
        "zh": "证书含有命名空间 {namespace} 中的 {element}，不属于 SPS/UN-CEFACT 标准；文件被拒收，未予保存。",
        "en": "The certificate contains {element} from the namespace {namespace}, which is not SPS/UN-CEFACT; "
        "the document is refused and not kept.",
    },
    "phyto.too_deep": {
        "vi": "Giấy chứng nhận lồng phần tử quá sâu tại {element} (tối đa {max} cấp).",
        "zh": "证书元素嵌套过深，位于 {element}（最多 {max} 层）。",
        "en": "The certificate nests elements too deeply at {element} (at most {max} levels).",
    },
    # comparing it with the ePhyto schema (warnings: real certificates differ from the hub's schemas)
    "phyto.schema_mismatch": {
        "vi": "Phần tử {element} ({path}) không đúng lược đồ ePhyto: {problem}.",
        "zh": "元素 {element}（{path}）不符合 ePhyto 模式：{problem}。",
        "en": "Element {element} ({path}) does not follow the ePhyto schema: {problem}.",
    },
    "phyto.schema_element_missing": {
        "vi": "Thiếu phần tử bắt buộc {element} theo lược đồ ePhyto tại {path} (vị trí thứ {position} "
        "trong phần tử cha).",
        "zh": "按 ePhyto 模式缺少必需元素 {element}，位置 {path}（父元素中第 {position} 个子元素处）。",
        "en": "The required element {element} is missing at {path} (child position {position}), "
        "as the ePhyto schema has it.",
    },
    "phyto.schema_truncated": {
        "vi": "Còn những điểm khác với lược đồ ePhyto chưa liệt kê (chỉ liệt kê {max} điểm đầu).",
        "zh": "与 ePhyto 模式还有其他不符之处未列出（仅列出前 {max} 处）。",
        "en": "There are more differences from the ePhyto schema than listed (only the first {max} are).",
    },
    "phyto.schema_skipped": {
        "vi": "Không so với lược đồ ePhyto: tài liệu có {count} phần tử (tối đa {max}).",
        "zh": "未与 ePhyto 模式比对：文件有 {count} 个元素（最多 {max} 个）。",
        "en": "Not compared with the ePhyto schema: the document has {count} elements (at most {max}).",
    },
    # what went wrong, as the reader says it (the ``problem`` param of the codes above; cuakhau.i18n.render)
    **{
        f"phyto.problem.{key}": {"vi": vi, "zh": zh, "en": en}
        for key, vi, zh, en in (
            ("empty_document", "tài liệu trống", "文件为空", "the document is empty"),
            (
                "truncated",
                "tài liệu bị cắt cụt, thiếu phần cuối",
                "文件被截断，缺少结尾部分",
                "the document is cut short",
            ),
            (
                "mismatched_tag",
                "thẻ đóng không khớp với thẻ mở",
                "结束标签与开始标签不匹配",
                "a closing tag does not match",
            ),
            (
                "invalid_character",
                "có ký tự hoặc cú pháp không hợp lệ",
                "含有无效字符或语法",
                "an invalid character or token",
            ),
            ("syntax", "sai cú pháp XML", "XML 语法错误", "an XML syntax error"),
            ("duplicate_attribute", "một thuộc tính bị lặp", "属性重复", "an attribute appears twice"),
            ("after_root", "có nội dung sau phần tử gốc", "根元素之后还有内容", "content follows the root element"),
            ("undefined_entity", "dùng thực thể chưa khai báo", "使用了未声明的实体", "an undeclared entity is used"),
            (
                "unbound_prefix",
                "tiền tố không gian tên chưa khai báo",
                "命名空间前缀未声明",
                "a namespace prefix is undeclared",
            ),
            (
                "encoding",
                "bảng mã ký tự không đúng hoặc không được hỗ trợ",
                "字符编码错误或不受支持",
                "the character encoding is wrong or unknown",
            ),
            (
                "misplaced_declaration",
                "khai báo XML không nằm ở đầu tài liệu",
                "XML 声明不在文件开头",
                "the XML declaration is not at the start",
            ),
            ("malformed", "XML không hợp lệ", "XML 格式不正确", "the XML is not well-formed"),
            (
                "doctype",
                "khai báo kiểu tài liệu (DOCTYPE)",
                "文档类型声明（DOCTYPE）",
                "a document type declaration (DOCTYPE)",
            ),
            ("entity", "khai báo thực thể (ENTITY)", "实体声明（ENTITY）", "an entity declaration (ENTITY)"),
            ("external_reference", "tham chiếu ra bên ngoài", "外部引用", "an external reference"),
            ("processing_instruction", "chỉ thị xử lý", "处理指令", "a processing instruction"),
            ("missing", "phần tử không có", "该元素不存在", "the element is absent"),
            ("empty", "phần tử rỗng", "该元素为空", "the element is empty"),
            ("not_a_date", "không phải ngày giờ", "不是日期时间", "it is not a date or time"),
            (
                "no_utc_offset",
                "thời điểm cấp phải ghi độ lệch múi giờ so với UTC",
                "签发时间须注明与 UTC 的时差",
                "the issue time needs a UTC offset",
            ),
            ("not_a_number", "không phải số thập phân", "不是十进制数", "it is not a decimal number"),
            ("negative", "số âm", "为负数", "it is negative"),
            ("not_whole", "không phải số nguyên", "不是整数", "it is not a whole number"),
            (
                "unexpected_child",
                "phần tử không được phép ở vị trí này hoặc sai thứ tự",
                "该元素不应出现在此处或顺序不对",
                "the element is not expected here, or is out of order",
            ),
            (
                "incomplete",
                "nội dung chưa đủ các phần tử bắt buộc",
                "内容缺少必需元素",
                "its content lacks required elements",
            ),
            (
                "attribute",
                "thuộc tính không được phép hoặc sai giá trị",
                "属性不被允许或取值错误",
                "an attribute is not allowed or has a wrong value",
            ),
            ("value", "giá trị không đúng kiểu dữ liệu", "取值不符合数据类型", "its value does not fit its type"),
            ("other", "không đúng lược đồ", "不符合模式", "it does not follow the schema"),
        )
    },
    # checking it against the declaration
    "phyto.number_missing": {
        "vi": "Tờ khai chưa có số giấy chứng nhận kiểm dịch thực vật (giấy chứng nhận: {certificate}).",
        "zh": "申报未填写植物检疫证书编号（证书：{certificate}）。",
        "en": "The declaration gives no phytosanitary certificate number (certificate: {certificate}).",
    },
    "phyto.number_mismatch": {
        "vi": "Số giấy chứng nhận {certificate} khác số đã khai {declared}.",
        "zh": "证书编号 {certificate} 与申报编号 {declared} 不符。",
        "en": "Certificate number {certificate} differs from the declared {declared}.",
    },
    "phyto.wrong_type": {
        "vi": "Loại chứng từ {type_code} không phải giấy chứng nhận kiểm dịch thực vật (851 hoặc 657 tái xuất).",
        "zh": "单证类型 {type_code} 不是植物检疫证书（851，或再出口 657）。",
        "en": "Document type {type_code} is not a phytosanitary certificate (851, or 657 for re-export).",
    },
    "phyto.status_unexpected": {
        "vi": "Trạng thái giấy chứng nhận {status_code} không phải «đã cấp».",
        "zh": "证书状态 {status_code} 不是「已签发」。",
        "en": "Certificate status {status_code} is not 'issued'.",
    },
    "phyto.issued_in_future": {
        "vi": "Giấy chứng nhận ghi ngày cấp trong tương lai ({issued}).",
        "zh": "证书签发时间在未来（{issued}）。",
        "en": "The certificate is dated in the future ({issued}).",
    },
    "phyto.expired": {
        "vi": "Giấy chứng nhận cấp ngày {issued}, đã {days} ngày (tối đa {max} ngày).",
        "zh": "证书签发于 {issued}，已过 {days} 天（最多 {max} 天）。",
        "en": "The certificate was issued on {issued}, {days} days ago (at most {max} days).",
    },
    "phyto.treatment_after_issue": {
        "vi": "Xử lý kết thúc ngày {ended}, sau ngày cấp giấy chứng nhận {issued}.",
        "zh": "处理结束于 {ended}，晚于证书签发日 {issued}。",
        "en": "A treatment ended on {ended}, after the certificate was issued on {issued}.",
    },
    "phyto.consignee_mismatch": {
        "vi": "Người nhận hàng trên giấy chứng nhận «{certificate}» khác tờ khai «{declared}».",
        "zh": "证书收货人「{certificate}」与申报「{declared}」不符。",
        "en": "The consignee on the certificate, '{certificate}', differs from the declared '{declared}'.",
    },
    "phyto.consignee_country_mismatch": {
        "vi": "Nước nhận hàng trên giấy chứng nhận {certificate} khác tờ khai {declared}.",
        "zh": "证书收货国 {certificate} 与申报 {declared} 不符。",
        "en": "The consignee country on the certificate, {certificate}, differs from the declared {declared}.",
    },
    "phyto.consignor_mismatch": {
        "vi": "Người gửi hàng trên giấy chứng nhận «{certificate}» khác doanh nghiệp xuất khẩu «{declared}».",
        "zh": "证书发货人「{certificate}」与出口企业「{declared}」不符。",
        "en": "The consignor on the certificate, '{certificate}', differs from the exporter '{declared}'.",
    },
    "phyto.export_country_mismatch": {
        "vi": "Nước xuất khẩu trên giấy chứng nhận {certificate} khác nước của doanh nghiệp {declared}.",
        "zh": "证书出口国 {certificate} 与出口企业所在国 {declared} 不符。",
        "en": "The export country on the certificate, {certificate}, differs from the exporter's {declared}.",
    },
    "phyto.no_lines": {
        "vi": "Giấy chứng nhận không liệt kê mặt hàng nào.",
        "zh": "证书未列出任何货物。",
        "en": "The certificate lists no goods.",
    },
    "phyto.hs_not_covered": {
        "vi": "Mặt hàng khai mã HS {hs_code} không có trên giấy chứng nhận.",
        "zh": "申报的 HS 编码 {hs_code} 货物不在证书上。",
        "en": "The declared goods with HS code {hs_code} are not on the certificate.",
    },
    "phyto.line_not_declared": {
        "vi": "Giấy chứng nhận có mặt hàng không khai báo: {description} (HS {hs_code}).",
        "zh": "证书上有未申报的货物：{description}（HS {hs_code}）。",
        "en": "The certificate lists goods that are not declared: {description} (HS {hs_code}).",
    },
    "phyto.net_weight_mismatch": {
        "vi": "Khối lượng tịnh khai {declared} kg, giấy chứng nhận ghi {certificate} kg (cho phép lệch {tolerance} %).",
        "zh": "申报净重 {declared} 千克，证书为 {certificate} 千克（允许偏差 {tolerance}%）。",
        "en": "Declared net weight {declared} kg, certified {certificate} kg (tolerance {tolerance} %).",
    },
    "phyto.gross_weight_mismatch": {
        "vi": "Khối lượng cả bì khai {declared} kg, chứng nhận ghi {certificate} kg (cho phép lệch {tolerance} %).",
        "zh": "申报毛重 {declared} 千克，证书为 {certificate} 千克（允许偏差 {tolerance}%）。",
        "en": "Declared gross weight {declared} kg, certified {certificate} kg (tolerance {tolerance} %).",
    },
    "phyto.packages_mismatch": {
        "vi": "Số kiện khai {declared}, giấy chứng nhận ghi {certificate} (sai lệch cho phép {tolerance} %).",
        "zh": "申报件数 {declared}，证书为 {certificate}（允许偏差 {tolerance}%）。",
        "en": "Declared {declared} packages, certified {certificate} (tolerance {tolerance} %).",
    },
    "phyto.weight_unit_unknown": {
        "vi": "Không quy đổi được đơn vị khối lượng {unit} trên giấy chứng nhận.",
        "zh": "无法换算证书上的重量单位 {unit}。",
        "en": "The weight unit {unit} on the certificate cannot be converted.",
    },
    "phyto.quantity_missing": {
        "vi": "Giấy chứng nhận không ghi {quantity} cho mặt hàng này.",
        "zh": "证书未注明该货物的 {quantity}。",
        "en": "The certificate gives no {quantity} for these goods.",
    },
    "phyto.treatment_missing": {
        "vi": "Hàng mã HS {hs_code} phải được xử lý ({treatments}) nhưng giấy chứng nhận không ghi.",
        "zh": "HS {hs_code} 货物须经处理（{treatments}），但证书未记载。",
        "en": "Goods with HS code {hs_code} need a treatment ({treatments}) that the certificate does not record.",
    },
    "phyto.planting_area_inactive": {
        "vi": "Mã số vùng trồng {code} không có hoặc không còn hiệu lực trong danh sách.",
        "zh": "种植园登记号 {code} 不在登记名单中或已失效。",
        "en": "Planting-area code {code} is not in the registry or not active.",
    },
    "phyto.packing_house_inactive": {
        "vi": "Mã số cơ sở đóng gói {code} không có hoặc không còn hiệu lực trong danh sách.",
        "zh": "包装厂登记号 {code} 不在登记名单中或已失效。",
        "en": "Packing-house code {code} is not in the registry or not active.",
    },
    "phyto.planting_area_mismatch": {
        "vi": "Mã số vùng trồng khai {declared} không có trên giấy chứng nhận ({certificate}).",
        "zh": "申报的种植园登记号 {declared} 不在证书上（{certificate}）。",
        "en": "The declared planting-area code {declared} is not on the certificate ({certificate}).",
    },
    "phyto.packing_house_mismatch": {
        "vi": "Mã số cơ sở đóng gói khai {declared} không có trên giấy chứng nhận ({certificate}).",
        "zh": "申报的包装厂登记号 {declared} 不在证书上（{certificate}）。",
        "en": "The declared packing-house code {declared} is not on the certificate ({certificate}).",
    },
    "phyto.planting_area_not_certified": {
        "vi": "Giấy chứng nhận không ghi mã số vùng trồng (tờ khai: {code}).",
        "zh": "证书未注明种植园登记号（申报：{code}）。",
        "en": "The certificate names no planting-area code (declared: {code}).",
    },
    "phyto.packing_house_not_certified": {
        "vi": "Giấy chứng nhận không ghi mã số cơ sở đóng gói (tờ khai: {code}).",
        "zh": "证书未注明包装厂登记号（申报：{code}）。",
        "en": "The certificate names no packing-house code (declared: {code}).",
    },
}
