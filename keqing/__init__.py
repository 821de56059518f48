"""客情参谋 core: everything that works without Rasa."""
