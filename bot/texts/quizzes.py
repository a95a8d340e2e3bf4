"""Vietnamese strings of học tập số: quizzes after a quán triệt — made by the board (from a file or
drafted from a document), taken by members one question at a time, and their results per unit.
HTML where the chat shows it (Telegram; Zalo and the command line get them as plain text)."""

# --- making a quiz ---------------------------------------------------------------------------
FILE_KIND = ("Tệp câu hỏi phải là .csv (lưu từ Excel dạng “CSV UTF-8”) hoặc .xlsx, có dòng tiêu đề: "
             "Câu hỏi; A; B; C; D; Đáp án; Giải thích; Nguồn.")
FILE_NOT_UTF8 = ("Tệp CSV không đọc được tiếng Việt: trong Excel chọn Lưu thành → “CSV UTF-8 (phân "
                 "cách bằng dấu phẩy)” rồi gửi lại.")
FILE_NO_HEADER = ("Không thấy dòng tiêu đề có cột “Câu hỏi” và “Đáp án”. Dòng đầu của tệp cần là: "
                  "Câu hỏi; A; B; C; D; Đáp án; Giải thích; Nguồn.")
FILE_EMPTY = "Tệp không có câu hỏi nào."
FILE_TOO_MANY = "Tệp có {count} câu hỏi; một bài trắc nghiệm có tối đa {limit} câu."
LINE_NO_QUESTION = "Dòng {line}: chưa có nội dung câu hỏi."
LINE_OPTIONS = "Dòng {line}: cần từ 2 đến 6 phương án trả lời (đang có {count})."
LINE_ANSWER = ("Dòng {line}: đáp án “{answer}” không khớp phương án nào. Ghi chữ cái của phương án "
               "đúng, ví dụ “B” hoặc “A, C”.")
LINE_TOO_LONG = "Dòng {line}: câu hỏi hoặc phương án quá dài (tối đa {limit} ký tự)."
TITLE_EMPTY = "Bài trắc nghiệm cần có tên, ví dụ: Tìm hiểu Chỉ thị 30-CT/TW."
NO_QUESTIONS = "Bài trắc nghiệm chưa có câu hỏi nào."
WINDOW_BAD = "Thời hạn làm bài phải sau thời điểm mở và chưa qua."
ATTEMPTS_BAD = "Số lần làm bài phải từ 1 đến 5."
NOT_FOUND = "Không có bài trắc nghiệm số {id}."
OUT_OF_SCOPE = "Bài trắc nghiệm số {id} không thuộc {board}."
NOT_DRAFT = "Bài trắc nghiệm số {id} đã phát hành, không sửa câu hỏi được nữa."
NO_SUCH_QUESTION = "Bài trắc nghiệm số {id} không có câu {number}."
DRAFT_NOTHING = ("Chưa soạn được câu hỏi nào từ văn bản này: Loa chỉ soạn từ câu có ngày tháng, con số, "
                 "số văn bản hoặc tên cơ quan để điền vào chỗ trống.")
DRAFTED_EXPLANATION = "Trích nguyên văn: {source}."
INVITATION = ("📝 <b>Trắc nghiệm: {title}</b>\n{count} câu, làm trong vài phút{until}.\n"
              "Gõ /tracnghiem để bắt đầu.")
INVITATION_UNTIL = ", hạn đến {until}"
REMINDER = ("⏰ Bạn chưa làm bài trắc nghiệm <b>{title}</b>; hạn đến {until}.\n"
            "Gõ /tracnghiem để làm ngay (chỉ vài phút).")

# --- taking it ---------------------------------------------------------------------------------
NONE_OPEN = "Hiện không có bài trắc nghiệm nào dành cho bạn."
CHOOSE = "Có {count} bài trắc nghiệm đang mở. Gõ /tracnghiem kèm số bài, ví dụ: /tracnghiem {first}\n{lines}"
CHOOSE_LINE = "• Bài {id}: {title} ({state})"
STATE_NEW = "chưa làm"
STATE_GOING = "đang làm dở, câu {next}/{count}"
STATE_DONE = "đã làm: {score}/{count} câu đúng"
CLOSED = "Bài trắc nghiệm “{title}” đã hết hạn lúc {until}; câu trả lời này không được tính. Cảm ơn bạn!"
NOT_YET = "Bài trắc nghiệm “{title}” mở từ {opens}."
NOT_FOR_YOU = "Bài trắc nghiệm này không dành cho đơn vị của bạn."
NO_ATTEMPTS_LEFT = "Bạn đã làm bài “{title}” {count} lần (tối đa {limit}): kết quả {score}/{total} câu đúng."
QUESTION = "<b>Câu {number}/{count}.</b> {text}"
QUESTION_TYPED = "Câu {number}/{count}. {text}\n{options}\nTrả lời bằng số (1–{n}){several}."
SEVERAL = ", có thể nhiều số, ví dụ 1,3"
RESUMED = "Bạn làm tiếp bài “{title}” từ câu {number}/{count}."
RIGHT = "✅ Đúng."
WRONG = "❌ Chưa đúng. Đáp án: <b>{right}</b>."
ALREADY = "Câu này bạn đã trả lời rồi; Loa giữ câu trả lời đầu tiên."
ANSWER_BAD = "Hãy trả lời bằng số của phương án (1–{n}), ví dụ: 2"
DONE = "🏁 <b>Xong bài “{title}”</b>: bạn trả lời đúng <b>{score}/{count}</b> câu."
DONE_PERFECT = "\nRất tốt, đúng tất cả!"
DONE_REVIEW = "\n\nXem lại các câu chưa đúng:"
REVIEW_LINE = "\n\n<b>Câu {number}.</b> {text}\nĐáp án đúng: <b>{right}</b>{explanation}{source}"
REVIEW_EXPLANATION = "\n{explanation}"
REVIEW_SOURCE = "\n📄 <i>{source}</i>: «{passage}»"
AGAIN = "\nBạn còn {left} lần làm lại: gõ /tracnghiem {id}."
STOPPED = "Đã dừng bài trắc nghiệm. Gõ /tracnghiem để làm tiếp từ câu đang dở."
STOPPED_HOW = "Muốn dừng để làm việc khác, gõ /huy; làm tiếp sau bằng /tracnghiem."

# --- results -----------------------------------------------------------------------------------
RESULTS_HEAD = ("📊 <b>Kết quả trắc nghiệm: {title}</b> (bài {id}, {status})\n"
                "Đã làm: <b>{took}/{expected}</b> người ({pct}%), điểm trung bình <b>{average}</b>/{count}")
RESULTS_UNIT = "\n• {unit}: {took}/{expected} người, trung bình {average}/{count}"
RESULTS_MISSED = "\n\n<b>Câu sai nhiều nhất</b> (nên giải thích lại ở buổi sinh hoạt tới):"
RESULTS_MISSED_LINE = "\n{number}. {text} — sai {wrong}/{answered} lượt"
RESULTS_NONE = "\n\nChưa ai làm bài."
STATUS = {"draft": "bản nháp", "open": "đang mở", "closed": "đã đóng"}
LIST_EMPTY = "Chưa có bài trắc nghiệm nào."
LIST_LINE = "• <b>{id}</b>. {title} — {status}, {count} câu, {took} người đã làm"
USAGE_RESULTS = "Gõ /tracnghiem_kq SỐ_BÀI, ví dụ /tracnghiem_kq 1. Các bài:\n{lines}"

# --- the command line --------------------------------------------------------------------------
CLI_QUIZ = "Bài trắc nghiệm số {id}: {title} ({status}, {count} câu)"
CLI_DRAFTED = ("Đã lưu bản nháp số {id}. Xem lại, sửa trên trang quản trị (Trắc nghiệm) rồi phát hành: "
               "loa quiz publish {id}")
CLI_PUBLISHED = "Đã phát hành bài trắc nghiệm số {id}: {title}. Bot đang chạy sẽ gửi lời mời trong ít giây."
CLI_NO_FILE = "Không mở được tệp {path}: {why}"

# --- the desk ----------------------------------------------------------------------------------
DESK_LINK = "Trắc nghiệm"
DESK_HEAD = "Bài trắc nghiệm ({count})"
DESK_NEW_FILE = "Tạo từ tệp câu hỏi (.csv hoặc .xlsx: Câu hỏi; A; B; C; D; Đáp án; Giải thích; Nguồn)"
DESK_NEW_DOC = "Hoặc để Loa soạn nháp từ một văn bản (Ban xem, sửa từng câu trước khi phát hành)"
DESK_TITLE = "Tên bài"
DESK_COUNT = "Số câu"
DESK_BTN_FILE = "Tạo bản nháp từ tệp"
DESK_BTN_DOC = "Soạn nháp"
DESK_ROW = "{title} — {status}, {count} câu, {took} người đã làm"
DESK_QUESTION = "Câu {number}"
DESK_TEXT = "Câu hỏi"
DESK_OPTIONS = "Phương án (mỗi dòng một phương án, 2–6 dòng)"
DESK_RIGHT = "Đáp án đúng (chữ cái, ví dụ B hoặc A, C)"
DESK_EXPLANATION = "Giải thích"
DESK_SOURCE = "Nguồn: {source}"
DESK_BTN_SAVE = "Lưu câu này"
DESK_BTN_DROP = "Bỏ câu này"
DESK_PUBLISH_HEAD = "Phát hành"
DESK_AUDIENCE_ALL = "Mọi thành viên"
DESK_AUDIENCE_REPORTERS = "Người báo cáo của các đơn vị"
DESK_AUDIENCE_UNITS = "Các đơn vị chọn dưới đây (giữ Ctrl để chọn nhiều)"
DESK_UNTIL = "Hạn làm bài (DD/MM/YYYY HH:MM)"
DESK_ATTEMPTS = "Số lần được làm"
DESK_BTN_PUBLISH = "Phát hành và gửi lời mời"
DESK_BTN_CLOSE = "Đóng bài"
DESK_CREATED = "Đã tạo bản nháp số {id} ({count} câu). Xem lại từng câu rồi phát hành."
DESK_SAVED = "Đã lưu câu {number}."
DESK_DROPPED = "Đã bỏ câu {number}."
DESK_PUBLISHED = "Đã phát hành bài số {id}: lời mời đang được gửi."
DESK_CLOSED = "Đã đóng bài số {id}."
DESK_NO_FILE = "Chưa chọn tệp câu hỏi."
DESK_BACK = "← Các bài trắc nghiệm"
DESK_RESULTS = "Kết quả"

# --- a file of questions sent in the chat --------------------------------------------------------
CHAT_DRAFTED = ("📝 Đã tạo bản nháp trắc nghiệm số <b>{id}</b>: {title} ({count} câu). Xem, sửa từng câu trên "
                "trang quản trị (mục Trắc nghiệm), hoặc phát hành ngay cho mọi người:")
CHAT_DRAFT_LINE = "{number}. {text} — đáp án {right}"
BTN_PUBLISH_ALL = "📤 Phát hành cho mọi người"

# --- the export ---------------------------------------------------------------------------------
SHEET_UNITS = "Theo đơn vị"
SHEET_UNIT_COLUMNS = ("Đơn vị", "Đã làm", "Dự kiến", "Điểm trung bình")
SHEET_TOTAL = "Tổng"
SHEET_MISSED = "Câu sai nhiều nhất (số lượt sai, số lượt trả lời)"
SHEET_MEMBERS = "Từng người"
SHEET_MEMBER_COLUMNS = ("Đơn vị", "Họ tên", "Số lần làm", "Điểm cao nhất", "Làm xong lúc")
DESK_EXPORT = "Tải kết quả (.xlsx)"
