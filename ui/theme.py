"""Page-wide CSS that the theme options in .streamlit/config.toml cannot express.

Streamlit draws captions (st.caption, widget help under inputs) in the text colour at 60%
opacity: #7A8084 on white, 4.0:1, under WCAG 2.2 AA's 4.5:1 for text. NHS grey 1 (#4C6272)
gives 6.2:1 on white and 5.6:1 on the sidebar's #F0F4F5.

Less padding around the page than Streamlit's wide layout gives (6rem above, 5rem each side):
at 1024x768 with the sidebar open that leaves a chart about 650 px wide (charts are laid out for
600, telephony/charts.py) and the page's first figure on the first screen.
"""

import streamlit as st

CAPTION = "#4C6272"
CSS = f"""<style>
[data-testid="stCaptionContainer"], [data-testid="stWidgetLabel"] [data-testid="stCaptionContainer"],
[data-testid="stSidebarNavSeparator"], [data-testid="stFileUploaderDropzoneInstructions"] small {{
    color: {CAPTION} !important; opacity: 1 !important; }}
[data-testid="stMainBlockContainer"] {{ padding-top: 3.5rem; }}
@media (max-width: 1400px) {{
    [data-testid="stMainBlockContainer"] {{ padding-left: 2rem; padding-right: 2rem; }} }}
</style>"""


def apply() -> None:
    # In the sidebar, where the element's small gap goes unseen. Not st.html: style-only HTML goes
    # to Streamlit's event container, which did not reach the page under st.navigation (1.67).
    st.sidebar.markdown(CSS, unsafe_allow_html=True)
