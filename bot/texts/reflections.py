"""Vietnamese strings of phản ánh: what members send up (dư luận, tin sai trái, mô hình hay, kiến
nghị), the number they get back, the board's triage and its answer. HTML where the chat shows it
(Telegram; Zalo gets them as plain text)."""

KINDS = {"du_luan": "Dư luận", "sai_trai": "Tin sai trái", "mo_hinh": "Mô hình hay",
         "kien_nghi": "Kiến nghị"}
STATUS = {"moi": "mới", "dang_xu_ly": "đang xử lý", "da_tra_loi": "đã trả lời",
          "chuyen_len": "đã chuyển cấp trên", "luu": "đã lưu"}
URGENT = "🔴 KHẨN"

HOW = (
    "📢 <b>Gửi phản ánh cho {board}</b>\n"
    "Gõ một dòng: <code>/phananh loại | nội dung</code>\n"
    "Loại: <b>1</b> dư luận (bà con nói gì, lo gì) · <b>2</b> tin sai trái (dán đường link hoặc "
    "chuyển tiếp bài viết) · <b>3</b> mô hình hay · <b>4</b> kiến nghị.\n"
    "Việc gấp thêm <code>| khẩn</code> ở cuối.\n"
    "Ví dụ: <code>/phananh dư luận | Bà con thôn 3 lo giá điện tăng</code>\n"
    "Xem phản ánh đã gửi: /phananh_cuatoi"
)
KIND_UNKNOWN = ("Chưa rõ loại phản ánh. Hãy gõ một trong: dư luận, tin sai trái, mô hình hay, kiến "
                "nghị (hoặc số 1–4), ví dụ: /phananh dư luận | Bà con thôn 3 lo giá điện tăng")
EMPTY = "Phản ánh chưa có nội dung. Ví dụ: /phananh dư luận | Bà con thôn 3 lo giá điện tăng"
TOO_LONG = "Nội dung dài {length} ký tự, quá giới hạn {limit} ký tự: hãy rút gọn."
ANONYMOUS_OFF = "Tỉnh chưa cho phép gửi phản ánh ẩn danh: phản ánh sẽ ghi tên bạn."
PHOTO_ONLY = "(ảnh)"
SENT = ("✅ Đã gửi phản ánh số <b>{id}</b> ({kind}) tới {board}. Ban sẽ xem và trả lời bạn tại đây.\n"
        "Xem tình trạng: /phananh_cuatoi")
SENT_URGENT = ("✅ Đã gửi phản ánh <b>khẩn</b> số <b>{id}</b> ({kind}) tới {board}: Ban đã được báo "
               "ngay.\nXem tình trạng: /phananh_cuatoi")
SENT_AGAIN = "Phản ánh này đã được ghi nhận trước đó (số {id})."
MINE_HEAD = "<b>Phản ánh của bạn</b> ({count} gần nhất):"
MINE_NONE = "Bạn chưa gửi phản ánh nào. Gõ /phananh để xem cách gửi."
MINE_LINE = "• Số {id} · {kind} · {status} · {when}\n  {text}"
MINE_ANSWER = "  ↳ Ban trả lời: {answer}"

# The board's side
NOTICE_URGENT = ("🔴 <b>Phản ánh khẩn số {id}</b> ({kind}) từ {who}, {unit}:\n{text}\n"
                 "Trả lời: <code>/phananh_traloi {id} nội dung</code> · chuyển cấp trên: "
                 "<code>/phananh_chuyen {id}</code>")
NOTICE_PASSED = ("⬆️ {from_board} chuyển lên phản ánh số {id} ({kind}) từ {who}, {unit}:\n{text}\n"
                 "Trả lời: <code>/phananh_traloi {id} nội dung</code>")
ANONYMOUS = "người gửi ẩn danh"
NO_UNIT = "chưa có đơn vị"
LIST_HEAD = "<b>Phản ánh {what}</b> ({shown}) · mới {new} · đang xử lý {working} · đã trả lời {answered}"
LIST_OPEN = "chưa xong"
LIST_NONE = "Không có phản ánh nào chưa xong."
LIST_LINE = "{urgent}<b>Số {id}</b> · {kind} · {status} · {who}, {unit} · {when}\n{text}"
LIST_FOOTER = ("Trả lời: <code>/phananh_traloi SỐ nội dung</code> · chuyển cấp trên: "
               "<code>/phananh_chuyen SỐ</code> · đang xử lý: <code>/phananh_xuly SỐ</code> · lưu: "
               "<code>/phananh_luu SỐ</code>")
ANSWER_USAGE = "Cách dùng: <code>/phananh_traloi SỐ nội dung trả lời</code>"
NUMBER_USAGE = "Cách dùng: <code>{command} SỐ</code> (số phản ánh trong /phananh_ds)"
ANSWER_EMPTY = "Nội dung trả lời trống."
NOT_FOUND = "Không có phản ánh số {id} trong phạm vi của Ban."
NOT_HELD = "Phản ánh số {id} đang do {board} xử lý."
ALREADY_ANSWERED = "Phản ánh số {id} đã được xử lý xong."
ESCALATE_TOP = "Phản ánh số {id} đã ở cấp cao nhất."
STATUS_BAD = "Trạng thái không hợp lệ."
ANSWER_TO_MEMBER = "📩 <b>{board}</b> trả lời phản ánh số {id} của bạn («{text}»):\n{answer}"
ANSWERED = "✅ Đã gửi trả lời phản ánh số {id}."
ANSWERED_NOT_DELIVERED = "⚠️ Đã lưu trả lời phản ánh số {id}, nhưng không gửi được tới người phản ánh."
PASSED = "⬆️ Đã chuyển phản ánh số {id} lên {board}."
MARKED = "✅ Phản ánh số {id}: {status}."

# Trends: phản ánh grouped by what they say
TRENDS_HEAD = "📈 <b>Vấn đề cơ sở phản ánh nhiều nhất</b> ({days} ngày qua, {total} phản ánh):"
TRENDS_NONE = "Chưa có phản ánh nào trong {days} ngày qua."
TRENDS_LINE = "• <b>{count} phản ánh</b>, {units} đơn vị{trend}: «{label}»"
TREND_UP = " (tuần này {now}, tuần trước {before} ↑)"
TREND_DOWN = " (tuần này {now}, tuần trước {before} ↓)"
TREND_SAME = " (tuần này {now}, tuần trước {before})"
WEEKLY_HEAD = "🗓 <b>Phản ánh tuần qua của cơ sở</b> · {board}"
WEEKLY_FOOTER = "Xem và trả lời: /phananh_ds hoặc trên bảng điều khiển."

# A forwarded post or a bare link: offered as a phản ánh
OFFER = "📢 Gửi tin này cho Ban làm phản ánh? Chọn loại:"
BTN_KIND = {"sai_trai": "🚫 Tin sai trái", "du_luan": "💬 Dư luận", "mo_hinh": "🌱 Mô hình hay",
            "kien_nghi": "📝 Kiến nghị"}
OFFER_GONE = "Tin này không còn để gửi: hãy chuyển tiếp lại, hoặc gõ /phananh loại | nội dung."

# A false post answered by an orientation broadcast
ORIENTED = "Ban đã gửi thông tin định hướng (lần gửi #{id}): {text}"
ORIENT_TOLD = "📣 <b>{board}</b> đã gửi thông tin định hướng về tin bạn phản ánh (số {id}, «{text}»):\n{answer}"
ORIENT_DONE = "✅ Đã gửi định hướng (lần gửi #{broadcast}) và báo cho {count} người đã phản ánh tin này."
ORIENT_USAGE = "Cách dùng: <code>/phananh_dinhhuong SỐ nội dung định hướng</code> (gửi tới mọi người trong phạm vi của Ban)"

# A good practice shared with everyone
MODEL_SHARE = "🌱 Mô hình hay của {unit}: {text}"
NOT_A_MODEL = "Phản ánh số {id} không phải mô hình hay."
MODEL_SHARED = "Ban đã nhân rộng mô hình tới mọi người (lần gửi #{id})."
MODEL_TOLD = "🌱 <b>{board}</b> đã nhân rộng mô hình bạn giới thiệu (số {id}, «{text}») tới mọi người."
SHEET_TITLE = "Phản ánh"
SHEET_COLUMNS = ("Số", "Thời gian", "Loại", "Tình trạng", "Đơn vị", "Người phản ánh", "Nội dung",
                 "Đường link", "Ban trả lời")

# The guided form: the kind by a button (Telegram) or a number (Zalo), then the words
GUIDED_KIND = "Hoặc chọn loại phản ánh, rồi gõ nội dung:"
GUIDED_TEXT = "Gõ nội dung phản ánh <b>{kind}</b> (một tin nhắn; dán đường link nếu có; thêm «khẩn» ở đầu nếu việc gấp). Gõ /huy để thôi."
GUIDED_KIND_ZALO = "Hoặc gõ số 1–4 để chọn loại, rồi gõ nội dung."
GUIDED_CANCELLED = "Đã hủy, phản ánh chưa được gửi."
