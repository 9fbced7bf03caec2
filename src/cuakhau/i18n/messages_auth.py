"""Messages of accounts, sign-in, permissions and rate limits."""

MESSAGES: dict[str, dict[str, str]] = {
    "auth.unauthenticated": {
        "vi": "Cần đăng nhập: thiếu mã phiên hoặc mã truy cập hợp lệ.",
        "zh": "需要登录：缺少有效的会话或访问令牌。",
        "en": "Sign-in required: no valid session or access token.",
    },
    "auth.invalid_credentials": {
        "vi": "Tên đăng nhập hoặc mật khẩu không đúng.",
        "zh": "用户名或密码错误。",
        "en": "Wrong username or password.",
    },
    "auth.forbidden": {
        "vi": "Tài khoản của bạn không được phép thực hiện thao tác này ở đây.",
        "zh": "您的账户无权在此执行该操作。",
        "en": "Your account is not allowed to do this here.",
    },
    "auth.actor_mismatch": {
        "vi": "Thao tác được ghi nhận theo tài khoản đăng nhập; không thể khai vai trò {role}.",
        "zh": "操作以登录账户记录，不能声明为角色 {role}。",
        "en": "Steps are recorded under the signed-in account; it cannot act as {role}.",
    },
    "auth.cross_site": {
        "vi": "Yêu cầu thay đổi dữ liệu bằng phiên đăng nhập phải đến từ chính trang này (nguồn: {origin}).",
        "zh": "使用登录会话修改数据的请求必须来自本站页面（来源：{origin}）。",
        "en": "A change made with the sign-in session must come from this site's own pages (origin: {origin}).",
    },
    "auth.gate_required": {
        "vi": "Tài khoản làm việc ở nhiều cửa khẩu: hãy chọn gate_id.",
        "zh": "该账户关联多个口岸：请指定 gate_id。",
        "en": "This account works at several gates: give a gate_id.",
    },
    "auth.rate_limited": {
        "vi": "Quá nhiều yêu cầu. Vui lòng thử lại sau {retry_after} giây.",
        "zh": "请求过多，请在 {retry_after} 秒后重试。",
        "en": "Too many requests. Try again in {retry_after} seconds.",
    },
    "account.not_found": {
        "vi": "Không tìm thấy tài khoản «{key}».",
        "zh": "未找到账户「{key}」。",
        "en": "No account '{key}'.",
    },
    "account.duplicate": {
        "vi": "Tên đăng nhập {username} đã được dùng.",
        "zh": "用户名 {username} 已被使用。",
        "en": "The username {username} is taken.",
    },
    "account.username_invalid": {
        "vi": "Tên đăng nhập gồm 3–64 ký tự: chữ thường không dấu, số, dấu chấm, gạch ngang, gạch dưới hoặc @.",
        "zh": "用户名为 3–64 个字符：小写字母、数字、点、连字符、下划线或 @。",
        "en": "A username is 3–64 characters: lower-case letters, digits, dot, hyphen, underscore or @.",
    },
    "account.password_too_short": {
        "vi": "Mật khẩu phải có ít nhất {min} ký tự.",
        "zh": "密码至少需要 {min} 个字符。",
        "en": "The password must have at least {min} characters.",
    },
    "account.role_invalid": {
        "vi": "Vai trò không hợp lệ: {role}.",
        "zh": "无效的角色：{role}。",
        "en": "Unknown role: {role}.",
    },
    "account.locale_invalid": {
        "vi": "Ngôn ngữ phải là vi, zh hoặc en (nhận được {locale}).",
        "zh": "语言必须是 vi、zh 或 en（收到 {locale}）。",
        "en": "The language must be vi, zh or en (got {locale}).",
    },
    "account.enterprise_required": {
        "vi": "Tài khoản vai trò {role} phải gắn với một doanh nghiệp.",
        "zh": "角色 {role} 的账户必须关联一个企业。",
        "en": "An account with the role {role} must belong to an enterprise.",
    },
    "account.enterprise_not_allowed": {
        "vi": "Tài khoản vai trò {role} không gắn với doanh nghiệp.",
        "zh": "角色 {role} 的账户不能关联企业。",
        "en": "An account with the role {role} does not belong to an enterprise.",
    },
    "account.driver_not_allowed": {
        "vi": "Chỉ tài khoản lái xe mới gắn với một lái xe (vai trò hiện tại: {role}).",
        "zh": "只有司机账户才能关联司机（当前角色：{role}）。",
        "en": "Only a driver account is linked to a driver (role given: {role}).",
    },
    "account.gate_required": {
        "vi": "Tài khoản vai trò {role} phải gắn với ít nhất một cửa khẩu.",
        "zh": "角色 {role} 的账户必须关联至少一个口岸。",
        "en": "An account with the role {role} must be bound to at least one gate.",
    },
    "account.gate_not_allowed": {
        "vi": "Tài khoản vai trò {role} không gắn với cửa khẩu.",
        "zh": "角色 {role} 的账户不能关联口岸。",
        "en": "An account with the role {role} is not bound to gates.",
    },
    "account.token_label_invalid": {
        "vi": "Nhãn của mã truy cập phải có từ 1 đến 200 ký tự.",
        "zh": "访问令牌的标签须为 1 到 200 个字符。",
        "en": "A token label must have 1 to 200 characters.",
    },
}
