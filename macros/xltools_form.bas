Attribute VB_Name = "xltools_form"
' xltools: the buttons of the Chaoyang project expenditure self-evaluation form.
'
' The macros hand the work to Python through the classic xlwings add-in
' (xlwings.xlam, installed with "xlwings addin install"). The call is late-bound,
' Application.Run "xlwings.xlam!RunPython", so that:
'   * the workbook carries no VBA reference: a missing add-in cannot turn into a
'     MISSING reference that stops every macro of the workbook from compiling;
'   * the workbook does not embed xlwings.bas (~46 KB) that would have to match the
'     xlwings version installed with Python; the add-in and the Python package are
'     installed together and upgraded together;
'   * when the add-in is absent the user gets a message in Chinese saying what to install.
' RunPython runs Python on the active workbook (the one whose button was pressed);
' the interpreter comes from the add-in's settings (xlwings ribbon or xlwings.conf).
'
' ASCII only: Chinese text is written as \uXXXX escapes and decoded by U().
Option Explicit

Private Const RUN_PYTHON As String = "xlwings.xlam!RunPython"
Private Const FOLDER_PICKER As Long = 4 ' msoFileDialogFolderPicker (no Office library reference)

Private Const MSG_NO_ADDIN As String = "\u672a\u80fd\u8c03\u7528 xlwings \u52a0\u8f7d\u9879\uff08xlwings.xlam\uff09\u3002" & _
    "\u8bf7\u5148\u5b89\u88c5 Python \u548c xltools\uff0c\u518d\u5728\u547d\u4ee4\u63d0\u793a\u7b26\u4e2d\u8fd0\u884c " & _
    "xlwings addin install\uff0c\u7136\u540e\u91cd\u65b0\u6253\u5f00 Excel\u3002\u8be6\u89c1 README \u7684\u5b89\u88c5\u8bf4\u660e\u3002"
Private Const MSG_PICK_FOLDER As String = "\u9009\u62e9\u8981\u6c47\u603b\u7684\u81ea\u8bc4\u8868\u6240\u5728\u6587\u4ef6\u5939"
Private Const MSG_TITLE As String = "\u671d\u9633\u533a\u9879\u76ee\u652f\u51fa\u7ee9\u6548\u81ea\u8bc4\u8868"

' The Check button (\u68c0\u67e5\u8bc4\u5206): validate and score this form (xltools.layout.CHECK_MACRO).
Public Sub CheckScores()
    RunXltools "import xltools.addin; xltools.addin.check_scores_caller()"
End Sub

' The Combine entry (\u6c47\u603b): combine every form in a folder (xltools.layout.COMBINE_MACRO).
Public Sub CombineFolder()
    Dim folder As String
    With Application.FileDialog(FOLDER_PICKER)
        .Title = U(MSG_PICK_FOLDER)
        .AllowMultiSelect = False
        If .Show <> -1 Then Exit Sub
        folder = .SelectedItems(1)
    End With
    RunXltools "import xltools.addin; xltools.addin.combine_folder_caller(" & PyString(folder) & ")"
End Sub

Private Sub RunXltools(ByVal command As String)
    On Error GoTo Failed
    Application.Run RUN_PYTHON, command
    Exit Sub
Failed:
    MsgBox U(MSG_NO_ADDIN) & vbCrLf & vbCrLf & Err.Description, vbExclamation, U(MSG_TITLE)
End Sub

' A Python string literal of any text, in ASCII (\uXXXX escapes), safe for paths with quotes.
Private Function PyString(ByVal text As String) As String
    Dim i As Long
    PyString = "'"
    For i = 1 To Len(text)
        PyString = PyString & "\u" & Right$("000" & Hex$(AscW(Mid$(text, i, 1)) And &HFFFF&), 4)
    Next i
    PyString = PyString & "'"
End Function

' Decodes the \uXXXX escapes of an ASCII string.
Private Function U(ByVal text As String) As String
    Dim i As Long
    i = 1
    Do While i <= Len(text)
        If Mid$(text, i, 2) = "\u" Then
            U = U & ChrW(CLng("&H" & Mid$(text, i + 2, 4)))
            i = i + 6
        Else
            U = U & Mid$(text, i, 1)
            i = i + 1
        End If
    Loop
End Function
