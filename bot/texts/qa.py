"""Vietnamese strings of the questions feature: answers, hand-off to the board, key points, uploads."""

# ---------------------------------------------------------------- answers
ANSWER_HEADER = "🔎 <b>Trích văn bản</b> (nguyên văn):"
PASSAGE = "<b><i>{section}</i></b>\n<blockquote>{text}</blockquote>\n📄 {citation}"
CITATION = "{document} – {section}"
# The phone-length answer: heading path once, the part that answers, one source line.
QUOTE_HEADING = "<b><i>{heading}</i></b>"
QUOTE_TEXT = "<blockquote>{text}</blockquote>"
SOURCE = "📄 {document}, {label}"
MORE_HEADER = "🔎 <b>Đoạn khác cũng trả lời</b> (nguyên văn):"
MORE_NONE = "Không còn đoạn văn bản nào khác trả lời câu hỏi này."
BTN_MORE = "Xem thêm"
NOT_HELD_NOTE = "ℹ️ Kho văn bản của Loa chưa có <b>{documents}</b>, nên Loa không trích dẫn nội dung văn bản đó."

# ---------------------------------------------------------------- small talk (never sent to the board)
_HINT = ("Hãy gõ câu hỏi về các văn bản (có dấu hoặc không dấu), ví dụ: "
         "<i>nhiem vu cua ban tuyen giao thi uy la gi</i>. Gõ /huongdan để xem Loa làm được gì.")
SMALL_TALK = {
    "greeting": "Chào bạn! 👋 Loa là trợ lý văn bản của {board}.\n" + _HINT,
    "thanks": "Không có gì ạ! 😊 Khi cần, bạn cứ hỏi tiếp.\n" + _HINT,
    "ack": "👌 Loa đã nhận. " + _HINT,
    "help": ("Loa trả lời câu hỏi bằng cách trích nguyên văn các văn bản; "
             "câu nào văn bản chưa có, Loa chuyển đến {board}.\n" + _HINT),
    "symbols": "Loa chưa hiểu tin nhắn này. " + _HINT,
}
LONG_QUESTION_NOTE = (
    "<i>Câu hỏi khá dài nên Loa chỉ tìm theo {chars} ký tự đầu. "
    "Lần sau hãy hỏi ngắn gọn một ý để có kết quả chính xác hơn.</i>"
)
FAQ_HEADER = "💬 <b>{board} đã trả lời câu hỏi tương tự:</b>\n<i>{question}</i>"
FAQ_BODY = "{answer}"
FAQ_CITATION = "📄 {board} (trả lời ngày {date})"
# A question for the board: NO_ANSWER first when Loa showed nothing (then a blank line), then what
# happened to it (after a related passage, only that).
NO_ANSWER = "Các văn bản hiện có chưa có nội dung trả lời câu hỏi này."
SENT = (
    "📨 Câu hỏi của bạn (số {id}) đã được chuyển đến <b>{board}</b>. "
    "Khi có trả lời, Loa sẽ gửi lại cho bạn tại đây."
)
SENT_AGAIN = (
    "Bạn đã gửi câu hỏi này trước đó (số {id}); {board} đang xem xét, "
    "Loa sẽ gửi trả lời cho bạn khi có."
)
SENT_NO_ADMIN = "Câu hỏi của bạn (số {id}) đã được lưu để {board} xem xét."
SENT_HELD = (
    "Hôm nay bạn đã gửi {limit} câu hỏi tới {board} và các câu hỏi đó đang được "
    "xem xét, nên câu hỏi này (số {id}) được lưu vào danh sách câu hỏi của Ban nhưng chưa được "
    "chuyển riêng tới Ban. Nếu vẫn cần, mời bạn gửi lại vào ngày mai; cảm ơn bạn đã thông cảm."
)
# Not sure: the most related passage is shown as such; the member decides whether to ask the board.
RELATED_HEADER = "🤔 <b>Loa chưa chắc đoạn này trả lời đúng câu hỏi của bạn.</b> Đoạn liên quan nhất:"
RELATED_HINT = "<i>Nếu đoạn trên chưa đúng ý, bấm «📨 Gửi câu hỏi cho Ban» để Ban trả lời.</i>"
BTN_SEND = "📨 Gửi câu hỏi cho Ban"
SEND_DONE = "Câu hỏi số {id} đã được gửi cho Ban rồi; Loa sẽ gửi trả lời cho bạn khi có."
SEND_NOT_NEEDED = "Câu hỏi số {id} đã có trả lời nên không cần gửi cho Ban."
FORWARDED = ("📨 Đây là tin chuyển tiếp nên Loa không coi là câu hỏi của bạn. Nếu cần hỏi về "
             "nội dung này, hãy gõ câu hỏi bằng lời của bạn (có dấu hoặc không dấu đều được).")
EMPTY_QUESTION = "Câu hỏi trống. Ví dụ: <code>/hoi Chỉ thị 30 do ai ban hành?</code>"
ASK_PROMPT = (
    "Hãy gõ câu hỏi của bạn (có dấu hoặc không dấu đều được).\n"
    "Ví dụ: <i>nhiem vu cua ban tuyen giao thi uy la gi</i>"
)
KB_UNAVAILABLE = (
    "Kho văn bản đang được cập nhật, Loa chưa tra cứu được. Vui lòng hỏi lại sau ít phút."
)

BTN_UP = "👍"
BTN_DOWN = "👎"
BTN_SECTION = "📄 Toàn văn mục"
RATED_UP = "Cảm ơn bạn! Đã ghi nhận đánh giá 👍"
RATED_DOWN = "Cảm ơn bạn! Đã ghi nhận đánh giá 👎; Ban sẽ xem lại."
QUESTION_NOT_YOURS = "Không tìm thấy câu hỏi này trong các câu hỏi của bạn."
SECTION_HEADER = "📄 <b>{document}</b>\n<b><i>{section}</i></b>"
SECTION_GONE = "Mục này không còn trong kho văn bản (tài liệu đã được cập nhật). Hãy hỏi lại."
SECTION_NONE = "Câu trả lời này không trích từ văn bản nên không có toàn văn mục."

# ---------------------------------------------------------------- hand-off to the board
NOTICE = (
    "❓ <b>Câu hỏi mới số {id}</b> chưa có trong văn bản\n"
    "Người hỏi: {name} – {unit}\n\n"
    "<blockquote>{question}</blockquote>\n\n"
    "Trả lời: <b>trả lời (reply) tin nhắn này</b>, hoặc gõ\n"
    "<code>/traloi {id} nội dung trả lời</code>"
)
NOTICE_NO_UNIT = "chưa đăng ký đơn vị"
# Beyond a few notices a minute to one board chat, the others come together in one message.
FOLDED_HEADER = "❓ <b>{count} câu hỏi mới</b> chưa có trong văn bản (gộp lại trong một tin):"
FOLDED_LINE = "<b>{id}.</b> {name} – {unit}:\n<i>{question}</i>"
FOLDED_FOOTER = ("Trả lời: <code>/traloi &lt;số&gt; &lt;nội dung&gt;</code> · "
                 "xem tất cả câu hỏi đang chờ: /cauhoi")
NOTICE_NOT_HELD = "\n<i>Văn bản được hỏi chưa có trong kho: {documents}</i>"
OPEN_EMPTY = "✅ Không có câu hỏi nào đang chờ trả lời."
OPEN_HEADER = "<b>Câu hỏi chờ trả lời</b> ({count}):"
OPEN_LINE = "<b>{id}.</b> {date} – {name} ({unit}):\n<i>{question}</i>"
OPEN_HELD = "\n⏸ <i>Giữ lại, chưa báo cho Ban: người hỏi đã gửi đủ số câu hỏi trong ngày.</i>"
OPEN_MORE = "… và {more} câu hỏi khác."
OPEN_FOOTER = "Trả lời: <code>/traloi &lt;số&gt; &lt;nội dung&gt;</code> hoặc trả lời (reply) thông báo câu hỏi."
ANSWER_USAGE = (
    "Cách dùng: <code>/traloi &lt;số câu hỏi&gt; &lt;nội dung trả lời&gt;</code>\n"
    "Ví dụ: <code>/traloi 12 Hội nghị sơ kết dự kiến tổ chức trong tháng 12.</code>\n"
    "Xem các câu hỏi đang chờ: /cauhoi"
)
ANSWER_TOO_LONG = "Nội dung trả lời dài {length} ký tự; vui lòng rút gọn dưới {limit} ký tự."
QUESTION_NOT_FOUND = "Không có câu hỏi số {id}. Xem các câu hỏi đang chờ: /cauhoi"
ALREADY_ANSWERED = "Câu hỏi số {id} đã được trả lời ngày {date}:\n<blockquote>{answer}</blockquote>"
BOARD_ANSWER = "📨 <b>{board} trả lời câu hỏi của bạn:</b>\n<i>{question}</i>"
ANSWER_SENT = "✅ Đã gửi câu trả lời câu hỏi số {id} cho {name}."
ANSWER_NOT_DELIVERED = (
    "⚠️ Đã lưu câu trả lời câu hỏi số {id}, nhưng không gửi được cho {name} "
    "(người hỏi đã chặn bot hoặc xóa tài khoản)."
)
ANSWERED_BY_OTHER = "✅ Câu hỏi số {id} đã được {admin} trả lời; không cần trả lời nữa."
BTN_SAVE_FAQ = "💾 Lưu vào hỏi đáp"
FAQ_SAVED = "💾 Đã lưu vào hỏi đáp (mục số {id}). Câu hỏi tương tự sẽ được trả lời bằng nội dung này."
FAQ_SAVED_SHORT = "Đã lưu vào hỏi đáp"
FAQ_ALREADY = "Câu trả lời này đã có trong hỏi đáp (mục số {id})."
FAQ_NOT_FOUND = "Không có mục hỏi đáp số {id} trong phạm vi của Ban."
FAQ_EMPTY = "Câu hỏi và nội dung trả lời của mục hỏi đáp không được để trống."
FAQ_TOO_LONG = "Nội dung trả lời dài quá {limit} ký tự: hãy rút gọn."
FAQ_NOT_ANSWERED = "Câu hỏi số {id} chưa được trả lời nên chưa lưu vào hỏi đáp được."

# ---------------------------------------------------------------- key points
KP_CHOOSE = "📌 <b>Điểm chính</b> – chọn văn bản:"
KP_EMPTY = "Chưa có văn bản nào trong kho. Ban có thể gửi tệp để bổ sung."
KP_HEADER = "📌 <b>{document}</b>\n<i>Điểm chính – trang {page}/{pages}</i>"
KP_NONE = "Văn bản này chưa có dàn ý điểm chính."
KP_DOC_GONE = "Văn bản này không còn trong kho. Gõ /diemchinh để chọn lại."
BTN_PREV = "◀"
BTN_NEXT = "▶"
BTN_DOCS = "📚 Văn bản khác"

# ---------------------------------------------------------------- inline mode
INLINE_HELP_TITLE = "Gõ câu hỏi để tìm trong văn bản"
INLINE_HELP_DESC = "Ví dụ: @{bot} chi thi 30 do ai ban hanh"
INLINE_HELP_TEXT = (
    "Loa – trợ lý văn bản của {board}. Gõ <code>@{bot} câu hỏi</code> "
    "để tìm và chia sẻ đoạn trích văn bản."
)
INLINE_JOIN_TITLE = "Bạn chưa đăng ký sử dụng Loa"
INLINE_JOIN_DESC = "Cần mã mời của {board}"
INLINE_JOIN_TEXT = (
    "Loa là trợ lý văn bản của {board} dành cho báo cáo viên, tuyên truyền viên. "
    "Để sử dụng, hãy xin đường link mời từ {board} hoặc bí thư chi bộ."
)
INLINE_NONE_TITLE = "Không tìm thấy trong văn bản"
INLINE_NONE_DESC = "Hãy nhắn riêng cho bot để gửi câu hỏi tới {board}"
INLINE_NONE_TEXT = "Các văn bản hiện có chưa có nội dung về: <i>{query}</i>"

# ---------------------------------------------------------------- knowledge uploads
UPLOAD_NOT_ADMIN = "⛔ Chỉ Ban Tuyên giáo được bổ sung tài liệu. Nếu cần hỏi, hãy gõ câu hỏi."
UPLOAD_BAD_TYPE = (
    "Không nhận tệp «{name}»: chỉ nhận tài liệu dạng {allowed}.\n"
    "Ví dụ: <code>ke-hoach-so-45-KH-TU.docx</code>"
)
UPLOAD_TOO_BIG = "Tệp «{name}» nặng {size} MB, vượt giới hạn {limit} MB. Hãy gửi tệp nhỏ hơn."
UPLOAD_NO_NAME = "Tệp không có tên. Hãy đặt tên tệp, ví dụ <code>ke-hoach-45.docx</code>, rồi gửi lại."
UPLOAD_FINISHED_AFTER_RESTART = (
    "✅ Tài liệu «{name}» bạn gửi đã được đưa vào kho: Loa vừa khởi động lại giữa lúc lập chỉ "
    "mục và đã làm tiếp. Giờ có thể hỏi về tài liệu này.")
UPLOAD_RECEIVED = "⏳ Đã nhận «{name}». Đang đọc và lập chỉ mục, vui lòng đợi…"
UPLOAD_UNREADABLE = (
    "❌ Không đọc được tệp «{name}»: {reason}.\n"
    "Tài liệu chưa được bổ sung; kho văn bản vẫn giữ nguyên như trước."
)
DOC_REMOVE_GONE = ("Không gỡ được «{name}»: tài liệu này không còn, không phải tài liệu Ban đã gửi lên, "
                   "hoặc không thuộc phạm vi của Ban (tài liệu có sẵn của Loa không gỡ được ở đây).")
UPLOAD_BUILD_FAILED = (
    "❌ Lập chỉ mục thất bại sau khi thêm «{name}» ({reason}). "
    "Tệp đã được gỡ ra; kho văn bản vẫn giữ nguyên như trước."
)
UPLOAD_DONE = (
    "✅ Đã {action} tài liệu <b>{name}</b>.\n"
    "Nhận diện: {kind}{number}\n"
    "Tiêu đề: <i>{title}</i>\n"
    "Số đoạn đã lập chỉ mục: <b>{chunks}</b>\n"
    "Kho hiện có {documents} văn bản, {total_chunks} đoạn. Loa trả lời từ tài liệu này ngay bây giờ."
)
UPLOAD_ACTION_NEW = "bổ sung"
UPLOAD_ACTION_REPLACED = "cập nhật (thay bản cũ cùng tên)"
UPLOAD_KIND_UNKNOWN = "văn bản (chưa rõ loại)"
UPLOAD_NUMBER = " số {number}"
UPLOAD_NO_TITLE = "(không nhận ra tiêu đề)"

# Reasons (from the indexer's English messages) shown to the board in Vietnamese.
REASON_EMPTY = "tệp không có chữ (có thể là bản scan/ảnh chụp – cần bản có chữ)"
REASON_CORRUPT = "tệp bị hỏng hoặc không đúng định dạng {ext}"
REASON_PASSWORD = "tệp PDF có mật khẩu"
REASON_ENCODING = "tệp chữ không ở mã UTF-8; hãy lưu lại dạng UTF-8"
REASON_NO_CHUNKS = "không tách được đoạn nội dung nào"
REASON_TOO_BIG = (
    "tệp khi giải nén quá lớn hoặc có quá nhiều thành phần (có thể là tệp «bom nén»); "
    "hãy lưu lại tệp bằng Word hoặc xuất lại PDF rồi gửi lại"
)
REASON_OTHER = "{detail}"
