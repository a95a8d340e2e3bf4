"""Vietnamese strings of the broadcast feature: composing, delivery, follow-up, digests."""
from typing import Callable

from bot.db.models import B_CANCELLED, B_DONE, B_DRAFT, B_RUNNING, B_SCHEDULED
from bot.text import esc
from bot.texts.common import ADMIN_ONLY, DEACTIVATED  # noqa: F401 - re-exported for the service

# ---------------------------------------------------------------- compose
ASK_CONTENT = (
    "📣 <b>Gửi nội dung định hướng</b>\n\n"
    "Bước 1/3: Gửi nội dung cần phát đi:\n"
    "• một tin nhắn chữ, hoặc\n"
    "• một ảnh / tệp kèm chú thích, hoặc\n"
    "• chuyển tiếp (forward) một tin nhắn có sẵn.\n\n"
    "Gõ /huy để hủy."
)
CONTENT_UNSUPPORTED = "Chưa dùng được loại tin này. Hãy gửi chữ, ảnh hoặc tệp (có thể kèm chú thích)."
CONTENT_EMPTY = "Nội dung đang trống. Hãy gõ nội dung cần gửi, ví dụ: <i>Tuyên truyền Chỉ thị 30 trong tuần này.</i>"
TEXT_TOO_LONG = "Nội dung dài {length} ký tự, vượt giới hạn {limit} ký tự của Telegram. Hãy rút gọn hoặc chia làm nhiều lần gửi."
CAPTION_TOO_LONG = "Chú thích dài {length} ký tự, vượt giới hạn {limit} ký tự của Telegram cho ảnh/tệp. Hãy rút gọn chú thích."
ASK_AUDIENCE = "Bước 2/3: Gửi cho ai?"
BTN_ALL = "👥 Tất cả"
BTN_UNITS = "🏢 Chọn đơn vị"
# The units' report senders (/thanhvien_baocao), not the Party's official speakers (báo cáo viên).
BTN_REPORTERS = "📝 Người gửi báo cáo của các đơn vị"
ASK_UNITS = "Chọn một hoặc nhiều đơn vị (bấm lần nữa để bỏ chọn), rồi bấm <b>Xong</b>."
BTN_UNITS_DONE = "Xong ➡️"
UNITS_NONE_CHOSEN = "Hãy chọn ít nhất một đơn vị."
NO_UNITS = "Chưa có đơn vị nào. Thêm đơn vị bằng /donvi_them rồi thử lại."
ASK_TIME = (
    "Bước 3/3: Gửi lúc nào?\n"
    "Bấm <b>Gửi ngay</b>, hoặc gõ thời điểm theo dạng <code>NGÀY/THÁNG/NĂM GIỜ:PHÚT</code>, "
    "ví dụ: <code>{example}</code>"
)
BTN_NOW = "⚡ Gửi ngay"
TIME_BAD = "Thời gian chưa đúng dạng. Hãy gõ <code>NGÀY/THÁNG/NĂM GIỜ:PHÚT</code>, ví dụ: <code>{example}</code>"
TIME_PAST = "Thời điểm này đã qua. Hãy chọn một thời điểm trong tương lai, ví dụ: <code>{example}</code>"
# Above every broadcast members receive: who sends it.
FROM_BOARD = "📣 <b>{board}</b>\n\n"
PREVIEW_INTRO = "👀 <b>Xem trước</b> – người nhận sẽ thấy đúng như tin dưới đây:"
SUMMARY = (
    "📋 <b>Xác nhận gửi</b>\n"
    "Người nhận: <b>{audience}</b> – {count} người\n"
    "Thời gian: <b>{when}</b>"
)
SUMMARY_HINT = "\n\nBấm ✅ Gửi để phát đi, ❌ Hủy để bỏ."
SUMMARY_QUEUED = "\n\n✅ Đã xác nhận – lần gửi <b>#{id}</b>."
SUMMARY_CANCELLED = "\n\n❌ Đã hủy, không gửi."
WHEN_NOW = "ngay bây giờ"
BTN_SEND = "✅ Gửi"
BTN_CANCEL = "❌ Hủy"
QUEUED_NOW = "✅ Đã xếp lần gửi <b>#{id}</b> tới {count} người. Đang gửi… Theo dõi bằng /phatdi_ds."
QUEUED_LATER = "🕒 Đã hẹn lần gửi <b>#{id}</b> tới {count} người lúc <b>{when}</b>. Theo dõi hoặc hủy bằng /phatdi_ds."
COMPOSE_CANCELLED = "Đã hủy, không gửi gì."
SESSION_EXPIRED = "Phiên soạn tin đã kết thúc. Gõ /phatdi để bắt đầu lại."
NO_RECIPIENTS = "Không có người nhận nào phù hợp (chưa có thành viên, hoặc đơn vị chưa có ai). Không gửi gì."
AUDIENCE_EMPTY = "Chưa chọn người nhận."

AUD_ALL = "Tất cả thành viên"
AUD_REPORTERS = "Người gửi báo cáo của các đơn vị"
AUD_UNITS = "Đơn vị: {units}"
AUD_REMIND = "Người chưa xác nhận lần gửi #{id}"
AUD_QUIZ_PENDING = "Người chưa làm bài trắc nghiệm số {id}"

# ---------------------------------------------------------------- recipients
BTN_ACK = "✅ Đã nắm"
BTN_ACKED = "✅ Đã ghi nhận"
ACK_THANKS = "Cảm ơn bạn, đã ghi nhận ✅"
ACK_ALREADY = "Bạn đã xác nhận nội dung này rồi."
ACK_NOT_YOURS = "Nút này không dành cho bạn."
ACK_PREVIEW = "Đây là bản xem trước: người nhận bấm nút này để xác nhận đã nắm nội dung."
REMIND_PREFIX = "🔔 <b>Nhắc lại</b> (lần gửi #{id}) – vui lòng đọc và bấm <b>✅ Đã nắm</b>:\n\n"

# ---------------------------------------------------------------- follow-up
LIST_EMPTY = "Chưa có lần gửi nào. Gõ /phatdi để gửi nội dung định hướng."
LIST_HEADER = "📣 <b>Các lần gửi gần đây</b>"
STATUS = {
    B_DRAFT: "nháp", B_SCHEDULED: "đã hẹn giờ", B_RUNNING: "đang gửi", B_DONE: "đã xong",
    B_CANCELLED: "đã hủy",
}
KIND = {"text": "", "photo": "🖼 ", "document": "📎 ", "copy": "↪️ "}
ITEM = (
    "<b>#{id}</b> · {status} · {when}\n"
    "{kind}<i>{excerpt}</i>\n"
    "Gửi tới: {audience}\n"
    "Người nhận: {recipients} · Đã gửi: {sent} ({sent_pct}%) · Lỗi: {failed} · "
    "Không liên lạc được: {unreachable} · Chưa rõ: {in_doubt}{queued}\n"
    "Đã nắm: <b>{acked}/{sent}</b> ({acked_pct}%)"
)
ITEM_QUEUED = " · Đang chờ: {n}"
ITEM_SCHEDULED = "<b>#{id}</b> · đã hẹn giờ · {when}\n{kind}<i>{excerpt}</i>\nGửi tới: {audience} ({recipients} người)"
IN_DOUBT_NOTE = (
    "⚠️ {n} tin “chưa rõ”: đang gửi thì bot bị dừng đột ngột hoặc Telegram không trả lời; "
    "có thể đã tới hoặc chưa. Bot không gửi lại để tránh trùng – dùng nút Nhắc nếu cần."
)
PENDING_BY_UNIT = "Chưa nắm theo đơn vị:"
PENDING_UNIT = "• {unit}: {pending}/{delivered}{names}"
NO_UNIT = "(chưa có đơn vị)"
BTN_LIST_CANCEL = "🛑 Hủy #{id}"
BTN_LIST_REMIND = "🔔 Nhắc #{id}"
CANCELLED = "🛑 Đã hủy lần gửi <b>#{id}</b>. Những tin đã gửi vẫn giữ nguyên; phần chưa gửi sẽ không gửi nữa."
CANNOT_CANCEL = "Lần gửi #{id} {status}, không hủy được nữa."
NOT_FOUND = "Không tìm thấy lần gửi #{id}."
REMIND_QUEUED = "🔔 Đã xếp lời nhắc lại lần gửi <b>#{parent}</b> tới {count} người chưa xác nhận."
REMIND_BUSY = "Lời nhắc trước của lần gửi #{id} chưa gửi xong. Vui lòng đợi."
REMINDERS = "🔔 Đã nhắc {count} lần; lần gần nhất {when}: gửi {sent}/{recipients} người{sending}"
REMINDERS_SENDING = " (đang gửi)"
REMIND_NOBODY = "Mọi người nhận lần gửi #{id} đều đã xác nhận (hoặc không còn ai để nhắc)."

# ---------------------------------------------------------------- digests
DIGEST_USAGE = (
    "Cách hẹn gửi điểm chính định kỳ: <code>/diemchinh_dinhky THỨ GIỜ:PHÚT</code>\n"
    "Ví dụ: <code>/diemchinh_dinhky thu2 07:00</code> (thứ Hai hằng tuần, 7 giờ sáng) · "
    "thứ: thu2 … thu7, cn."
)
DIGEST_CHOOSE_DOC = "Chọn văn bản để gửi điểm chính vào <b>{day} {at}</b> hằng tuần:"
DIGEST_NO_DOCS = "Chưa có văn bản nào trong hệ thống để lấy điểm chính."
DIGEST_DOC_GONE = "Văn bản này không còn trong hệ thống. Hãy chọn lại."
DIGEST_CREATED = "✅ Đã hẹn gửi điểm chính của <b>{title}</b> vào <b>{day} {at}</b> hằng tuần tới tất cả thành viên (lịch #{id})."
DIGEST_LIST_HEADER = "📌 <b>Lịch gửi điểm chính định kỳ</b>"
DIGEST_LINE = "#{id} · {day} {at} · {title}"
DIGEST_LIST_EMPTY = "Chưa có lịch gửi điểm chính định kỳ nào."
BTN_DIGEST_REMOVE = "🗑 Bỏ lịch #{id}"
DIGEST_REMOVED = "Đã bỏ lịch gửi điểm chính #{id}."
DIGEST_NOT_FOUND = "Không tìm thấy lịch gửi điểm chính #{id}."
DIGEST_HEADER = "📌 <b>Điểm chính: {title}</b>"
DIGEST_FOOTER = "<i>Trích nguyên văn từ văn bản. Gõ /diemchinh để xem chi tiết.</i>"
DIGEST_NO_POINTS = "(Văn bản chưa có mục nào để tóm lược.)"
WEEKDAY_NAMES = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"]


def render_digest(title: str, points: list[tuple[int, str]], limit: int,
                  length: Callable[[str], int]) -> str:
    """The digest message: header, the key points (level, text) verbatim, footer, cut with "…"
    so that `length` of the whole stays within `limit`."""
    head = DIGEST_HEADER.format(title=esc(title))
    lines = []
    for level, text in points:
        line = "   " * max(0, level) + esc(text.strip())
        lines.append(f"<b>{line}</b>" if level == 0 else line)
    body = ""
    for line in lines:
        candidate = f"{body}\n{line}" if body else line
        if length(f"{head}\n{candidate}\n…\n{DIGEST_FOOTER}") > limit:
            body += "\n…"
            break
        body = candidate
    return f"{head}\n{body}\n\n{DIGEST_FOOTER}" if body else f"{head}\n{DIGEST_NO_POINTS}"


# ---------------------------------------------------------------- command line
CLI_PREVIEW = "Gửi tới: {audience} – {count} người · Thời gian: {when}\n---\n{text}\n---"
CLI_CONFIRM = "Gửi? [c/K] "
CLI_ABORTED = "Đã hủy, không gửi gì."
CLI_QUEUED = "Đã xếp lần gửi #{id} tới {count} người ({when}). Bot đang chạy sẽ gửi đi."
