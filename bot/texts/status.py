"""Vietnamese strings for /trangthai."""

STATUS = (
    "<b>Tình trạng hệ thống Loa</b>\n"
    "Phiên bản: {version}\n"
    "Thời gian chạy: {uptime}\n"
    "Cơ sở dữ liệu: {backend}\n\n"
    "<b>Tài liệu</b>: {documents} văn bản, {chunks} đoạn\n"
    "Mô hình: <code>{model}</code>\n"
    "Lập chỉ mục lúc: {built_at}\n"
    "{index_error}"
    "\n<i>Số liệu của {board}:</i>\n"
    "<b>Thành viên</b>: {active_members} đang hoạt động / {members}\n"
    "<b>Gửi tin</b>: {pending} đợt đang chờ/đang gửi, {queued} tin trong hàng đợi, "
    "{in_doubt} tin không rõ đã đến (sau sự cố)"
)
INDEX_ERROR = "⚠️ Chỉ mục tài liệu lỗi: <code>{error}</code>\n"
UNKNOWN = "chưa có"
TIME_FORMAT = "%H:%M ngày %d/%m/%Y"  # 22:13 ngày 29/11/2026
UPTIME = "{days} ngày {hours} giờ {minutes} phút"
