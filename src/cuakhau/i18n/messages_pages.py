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
}
