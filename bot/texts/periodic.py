"""Vietnamese strings for the periodic report draft (/baocaodinhky, `loa reports draft`)."""

PLACEHOLDER = "[Ban Tuyên giáo bổ sung]"
ISSUER_PLACEHOLDER = "[Tên cơ quan ban hành]"
PARTY = "ĐẢNG CỘNG SẢN VIỆT NAM"
NUMBER_LINE = "Số      -BC/…"
PLACE_DATE = "……, ngày {day} tháng {month} năm {year}"
TITLE = "BÁO CÁO"
SUBTITLE = "Kết quả công tác tuyên truyền miệng {label}"
SUBTITLE_RANGE = "(từ ngày {start} đến ngày {end})"
TOTAL = "Tổng cộng"
OWN = "{unit} (báo cáo của chính đơn vị)"

PART_1 = "I. ĐẶC ĐIỂM TÌNH HÌNH"
PART_2 = "II. KẾT QUẢ THỰC HIỆN"
SECTION_ACTIVITIES = "1. Hoạt động tuyên truyền miệng"
ACTIVITIES_LINE = (
    "Trong kỳ, các đơn vị báo cáo {count} hoạt động tuyên truyền miệng với {participants} "
    "lượt người tham dự; {reported}/{total} đơn vị có báo cáo (tỷ lệ {share})."
)
TABLE_BY_FORM = "Bảng 1. Hoạt động theo hình thức"
COLS_BY_FORM = ["STT", "Hình thức", "Số hoạt động", "Số lượt người tham dự"]
TABLE_BY_UNIT = "Bảng 2. Hoạt động theo đơn vị trực thuộc"
COLS_BY_UNIT = ["STT", "Đơn vị", "Số hoạt động", "Số lượt người tham dự",
                "Đơn vị có báo cáo", "Tỷ lệ"]
SECTION_BROADCASTS = "2. Thông tin định hướng, nội dung tuyên truyền gửi qua Loa"
BROADCASTS_LINE = (
    "Trong kỳ đã gửi {count} nội dung; {delivered} lượt nhận, {acked} lượt xác nhận đã nắm "
    "(tỷ lệ {share})."
)
BROADCASTS_NONE = "Trong kỳ không có nội dung nào được gửi qua Loa."
BROADCAST_MEDIA = "(tệp, hình ảnh)"
COLS_BROADCASTS = ["STT", "Nội dung", "Ngày gửi", "Lượt nhận", "Lượt xác nhận đã nắm", "Tỷ lệ"]
SECTION_QUESTIONS = "3. Trả lời câu hỏi của tuyên truyền viên, báo cáo viên"
COLS_QUESTIONS = ["STT", "Chỉ tiêu", "Số câu hỏi", "Tỷ lệ"]
Q_ASKED = "Câu hỏi nhận được"
Q_DOCS = "Trả lời từ văn bản"
Q_FAQ = "Trả lời từ câu hỏi thường gặp của Ban"
Q_BOARD = "Ban Tuyên giáo trả lời trực tiếp"
Q_WAITING = "Chưa trả lời"

SECTION_REFLECTIONS = "4. Tình hình tư tưởng, dư luận xã hội"
REFLECTIONS_LINE = ("Trong kỳ, cơ sở gửi {total} phản ánh qua Loa: {du_luan} về dư luận, {sai_trai} tin sai "
                    "trái, {mo_hinh} mô hình hay, {kien_nghi} kiến nghị.")
TABLE_TOPICS = "Các vấn đề được phản ánh nhiều nhất (nhóm theo nội dung, nguyên văn một phản ánh tiêu biểu):"
COLS_TOPICS = ["TT", "Vấn đề", "Số phản ánh", "Số đơn vị"]
MODELS_HEAD = "Mô hình hay, cách làm tốt cơ sở giới thiệu:"
MODEL_LINE = "– {unit}: {text}"
REFLECTIONS_NONE = "Trong kỳ chưa có phản ánh nào gửi qua Loa."
SECTION_QUIZZES = "5. Kết quả học tập, quán triệt (trắc nghiệm qua Loa)"
QUIZZES_NONE = "Trong kỳ không có bài trắc nghiệm nào."
QUIZ_LINE = ("Bài “{title}” ({count} câu): {took}/{expected} người đã làm ({pct}), điểm trung bình "
             "{average}/{count}.")
COLS_QUIZ_UNITS = ["TT", "Đơn vị", "Đã làm / dự kiến", "Điểm trung bình"]
QUIZ_MISSED = "Câu sai nhiều nhất, cần giải thích lại: {questions}."
PART_3 = "III. ĐÁNH GIÁ CHUNG"
PART_3_ADVANTAGES = "1. Ưu điểm"
PART_3_SHORTCOMINGS = "2. Hạn chế, nguyên nhân"
PART_4 = "IV. PHƯƠNG HƯỚNG, NHIỆM VỤ THỜI GIAN TỚI"

RECIPIENTS = "Nơi nhận:"
RECIPIENT_LINES = ["- …,", "- Lưu."]
SIGNER = "K/T TRƯỞNG BAN\nPHÓ TRƯỞNG BAN"   # LOA_REPORT_SIGNER replaces it ("\n" between lines)
FORMAL_MONTH = "tháng {month} năm {year}"
FORMAL_QUARTER = "quý {quarter} năm {year}"
SILENT_UNITS = "Đơn vị chưa có báo cáo trong kỳ ({count}): {units}."
SILENT_MORE = " và {count} đơn vị khác"
SIGNER_PLACEHOLDER = "[Ban Tuyên giáo bổ sung]"

# Chat
CAPTION = "📄 Dự thảo báo cáo {label}{unit}. Số liệu lấy từ Loa; phần đánh giá để Ban bổ sung."
CAPTION_UNIT = " – {unit}"
USAGE = (
    "Ghi kỳ báo cáo, ví dụ: <code>/baocaodinhky Q4/2026</code>, "
    "<code>/baocaodinhky 6 tháng đầu năm 2026</code>, <code>/baocaodinhky 2026</code>."
)
