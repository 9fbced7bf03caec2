"""Messages of the web pages: sign-in, access, forms."""

MESSAGES: dict[str, dict[str, str]] = {
    "page.login_required": {
        "vi": "Vui lòng đăng nhập để xem trang này.",
        "zh": "请先登录再查看此页面。",
        "en": "Please log in to see this page.",
    },
    "page.forbidden": {
        "vi": "Tài khoản của bạn không được xem trang này.",
        "zh": "您的账户无权查看此页面。",
        "en": "Your account may not see this page.",
    },
    "page.csrf": {
        "vi": "Biểu mẫu đã hết hạn hoặc không hợp lệ. Vui lòng tải lại trang và gửi lại.",
        "zh": "表单已过期或无效，请刷新页面后重新提交。",
        "en": "The form has expired or is not valid. Please reload the page and send it again.",
    },
    "page.bad_login": {
        "vi": "Tên đăng nhập hoặc mật khẩu không đúng.",
        "zh": "用户名或密码错误。",
        "en": "Wrong username or password.",
    },
    # Declaring many trucks from a file (pages/portal_upload.py).
    "upload.empty": {
        "vi": "Tệp trống: cần một dòng tiêu đề và ít nhất một dòng cho mỗi xe.",
        "zh": "文件为空：需要一行表头，并且每辆车至少一行。",
        "en": "The file is empty: it needs a header row and at least one row per truck.",
    },
    "upload.too_large": {
        "vi": "Tệp quá lớn: tối đa {max_kb} KB.",
        "zh": "文件过大：最多 {max_kb} KB。",
        "en": "The file is too large: at most {max_kb} KB.",
    },
    "upload.unreadable": {
        "vi": "Không đọc được tệp: hãy gửi tệp CSV (UTF-8) hoặc bảng tính .xlsx.",
        "zh": "无法读取文件：请上传 CSV（UTF-8）文件或 .xlsx 电子表格。",
        "en": "The file cannot be read: send a CSV file (UTF-8) or an .xlsx spreadsheet.",
    },
    "upload.unknown_columns": {
        "vi": "Tệp có cột không rõ: {columns}. Hãy dùng tiêu đề như trong tệp mẫu.",
        "zh": "文件中有无法识别的列：{columns}。请使用模板中的表头。",
        "en": "The file has columns that are not known: {columns}. Use the headers of the template.",
    },
    "upload.missing_columns": {
        "vi": "Tệp thiếu cột bắt buộc: {columns}.",
        "zh": "文件缺少必填列：{columns}。",
        "en": "The file lacks required columns: {columns}.",
    },
    "upload.too_many_rows": {
        "vi": "Tệp có quá nhiều dòng: tối đa {max} xe mỗi lần.",
        "zh": "文件行数过多：每次最多 {max} 辆车。",
        "en": "The file has too many rows: at most {max} trucks at a time.",
    },
}
